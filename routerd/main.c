/* main.c - placeholder until the core lands. */
#include <stdio.h>
int main(void) { return 0; }
