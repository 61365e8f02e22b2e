/* sc_raise_sigsys: the program kills itself with SIGSYS (kill(getpid(), SIGSYS)).  A sandbox that
 * guesses seccomp violations from SIGSYS would call this SecurityViolation; expected: Signaled
 * (isolate status SG, exitsig 31), NOT SecurityViolation. */
#include <signal.h>
#include <unistd.h>

int main(void)
{
    kill(getpid(), SIGSYS);
    return 0;
}
