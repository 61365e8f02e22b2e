/* Never finishes: killed at the CPU time limit. */
int main(void)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
}
