/* Does nothing: the benchmark's floor row spawns it to measure the start of a static glibc
 * program (docs/benchmarks.md). */
int main(void)
{
    return 0;
}
