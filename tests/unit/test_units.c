#include "mini-isolate.h"
int main(void){return 0;}
