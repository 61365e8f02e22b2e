// The C++ twin of sanitized.c: std::thread, std::mutex, std::vector, std::string.
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
int main()
{
    int counter = 0;
    std::mutex mu;
    std::vector<std::thread> ts;
    for (int i = 0; i < 2; i++)
        ts.emplace_back([&] {
            for (int j = 0; j < 1000; j++) {
                std::lock_guard<std::mutex> g(mu);
                counter++;
            }
        });
    for (auto &t : ts)
        t.join();
    std::string s = "sanitized ok";
    std::cout << s << " " << counter << std::endl;
    return 0;
}
