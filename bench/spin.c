/* Benchmark payload: spins on the CPU forever (never calls the kernel).  Used to measure how far
 * past a -t / -w limit the sandbox stops it.  Expected: TO. */
int main(void)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
}
