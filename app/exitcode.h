#pragma once

// The exit status of wsscope and of its subcommands (README "Exit codes").
enum ExitCode : int {
    ExitOk = 0,
    ExitRuntimeError = 1, // e.g. the port is taken; tls-check: problems found
    ExitUsage = 2,        // a bad command line or configuration, with a one-line reason
};
