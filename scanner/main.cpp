#include "scanner/cli.h"

int main(int argc, char** argv) { return tlsfleet::scanner::run_cli(argc, argv); }
