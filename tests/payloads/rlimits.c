/* Prints the soft rlimits the sandbox set: "as=.. stack=.. nofile=.. fsize=.. core=.. nproc=.."
 * (-1 = unlimited).  Expected: values of -m/-k/-n/-f/--core/-p, in bytes / counts. */
#include <stdio.h>
#include <sys/resource.h>
static long long lim(int r)
{
    struct rlimit rl;
    getrlimit(r, &rl);
    return rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur;
}
int main(void)
{
    printf("as=%lld stack=%lld nofile=%lld fsize=%lld core=%lld nproc=%lld\n", lim(RLIMIT_AS),
           lim(RLIMIT_STACK), lim(RLIMIT_NOFILE), lim(RLIMIT_FSIZE), lim(RLIMIT_CORE),
           lim(RLIMIT_NPROC));
    return 0;
}
