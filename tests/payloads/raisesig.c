/* Kills itself with signal argv[1] (default SIGSEGV).  Expected: SG, exitsig N. */
#include <signal.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    int sig = argc > 1 ? atoi(argv[1]) : SIGSEGV;
    signal(sig, SIG_DFL);
    raise(sig);
    return 99;
}
