#pragma once

// A connected AF_UNIX stream pair for socket-layer tests (the epoll
// dispatcher and FdWatcher suites), and a way to put one end on a chosen
// descriptor number, the way the kernel hands a just-closed number to the
// next socket.

#include <QtGlobal>

#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace TestSupport {

class SocketPair
{
public:
    SocketPair()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0) {
            a = fds[0];
            b = fds[1];
        }
    }
    ~SocketPair()
    {
        closeA();
        closeB();
    }
    Q_DISABLE_COPY_MOVE(SocketPair)

    bool isValid() const { return a >= 0 && b >= 0; }
    void closeA()
    {
        if (a >= 0)
            ::close(a);
        a = -1;
    }
    void closeB()
    {
        if (b >= 0)
            ::close(b);
        b = -1;
    }

    int a = -1;
    int b = -1;
};

// Makes pair.a use the given (free, or pair.b's) descriptor number.
inline bool placeAtFd(SocketPair &pair, int number)
{
    if (pair.b == number)
        std::swap(pair.a, pair.b);
    if (pair.a == number)
        return true;
    if (::dup2(pair.a, number) != number)
        return false;
    ::close(pair.a);
    pair.a = number;
    return true;
}

} // namespace TestSupport
