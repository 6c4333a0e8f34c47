#include "tlssettings.h"

quint8 ConfTlsProtocols::fromWord(QByteArrayView word)
{
    if (word == "TLSv1")
        return TLSv1;
    if (word == "TLSv1.1")
        return TLSv1_1;
    if (word == "TLSv1.2")
        return TLSv1_2;
    if (word == "TLSv1.3")
        return TLSv1_3;
    return 0;
}
