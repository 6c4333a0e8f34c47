#include "config/confunits.h"

#include <limits>

namespace {

constexpr qint64 MaxValue = std::numeric_limits<qint64>::max(); // NGX_MAX_*_T_VALUE on 64-bit

// ngx_atoof()/ngx_atosz(): decimal digits only, at least one, no overflow.
std::optional<qint64> parseDecimal(QByteArrayView digits)
{
    if (digits.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const char ch : digits) {
        if (ch < '0' || ch > '9')
            return std::nullopt;
        const int digit = ch - '0';
        if (value > (MaxValue - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<qint64> parseScaled(QByteArrayView text, bool allowGiga)
{
    if (text.isEmpty())
        return std::nullopt;
    qint64 scale = 1;
    switch (text.back()) {
    case 'k':
    case 'K':
        scale = 1024;
        break;
    case 'm':
    case 'M':
        scale = 1024 * 1024;
        break;
    case 'g':
    case 'G':
        if (allowGiga)
            scale = 1024 * 1024 * 1024;
        break;
    default:
        break;
    }
    if (scale != 1)
        text.chop(1);
    const std::optional<qint64> value = parseDecimal(text);
    if (!value || *value > MaxValue / scale)
        return std::nullopt;
    return *value * scale;
}

// ngx_parse_time(): a state machine over the units from the largest to the
// smallest; each unit may appear once and only after larger ones.
std::optional<qint64> parseTime(QByteArrayView text, bool isSec)
{
    enum Step { Start, Year, Month, Week, Day, Hour, Min, Sec, Msec, Last };

    bool valid = false;
    qint64 value = 0;
    qint64 total = 0;
    // Milliseconds would overflow nginx's 32-bit ngx_msec_t with months and
    // years, so msec values start after them.
    Step step = isSec ? Start : Month;

    qsizetype p = 0;
    const qsizetype last = text.size();
    while (p < last) {
        const char ch = text.at(p);
        if (ch >= '0' && ch <= '9') {
            const int digit = ch - '0';
            if (value > (MaxValue - digit) / 10)
                return std::nullopt;
            value = value * 10 + digit;
            valid = true;
            ++p;
            continue;
        }
        ++p;

        qint64 scale = 1;
        Step unit = Last;
        switch (ch) {
        case 'y':
            if (step > Start)
                return std::nullopt;
            unit = Year;
            scale = 60 * 60 * 24 * 365;
            break;
        case 'M':
            if (step >= Month)
                return std::nullopt;
            unit = Month;
            scale = 60 * 60 * 24 * 30;
            break;
        case 'w':
            if (step >= Week)
                return std::nullopt;
            unit = Week;
            scale = 60 * 60 * 24 * 7;
            break;
        case 'd':
            if (step >= Day)
                return std::nullopt;
            unit = Day;
            scale = 60 * 60 * 24;
            break;
        case 'h':
            if (step >= Hour)
                return std::nullopt;
            unit = Hour;
            scale = 60 * 60;
            break;
        case 'm':
            if (p < last && text.at(p) == 's') {
                if (isSec || step >= Msec)
                    return std::nullopt;
                ++p;
                unit = Msec;
                scale = 1;
                break;
            }
            if (step >= Min)
                return std::nullopt;
            unit = Min;
            scale = 60;
            break;
        case 's':
            if (step >= Sec)
                return std::nullopt;
            unit = Sec;
            scale = 1;
            break;
        case ' ':
            // a number followed by a space counts as seconds
            if (step >= Sec)
                return std::nullopt;
            unit = Last;
            scale = 1;
            break;
        default:
            return std::nullopt;
        }
        step = unit;

        if (step != Msec && !isSec)
            scale *= 1000;
        if (value > MaxValue / scale)
            return std::nullopt;
        value *= scale;
        if (total > MaxValue - value)
            return std::nullopt;
        total += value;
        value = 0;

        while (p < last && text.at(p) == ' ')
            ++p;
    }

    if (!valid)
        return std::nullopt;

    // a trailing number without a unit is seconds
    if (!isSec) {
        if (value > MaxValue / 1000)
            return std::nullopt;
        value *= 1000;
    }
    if (total > MaxValue - value)
        return std::nullopt;
    return total + value;
}

} // namespace

namespace ConfUnits {

std::optional<qint64> parseMsec(QByteArrayView text)
{
    return parseTime(text, false);
}

std::optional<qint64> parseSec(QByteArrayView text)
{
    return parseTime(text, true);
}

std::optional<qint64> parseSize(QByteArrayView text)
{
    return parseScaled(text, false);
}

std::optional<qint64> parseOffset(QByteArrayView text)
{
    return parseScaled(text, true);
}

std::optional<bool> parseFlag(QByteArrayView text)
{
    if (text.compare("on", Qt::CaseInsensitive) == 0 && text.size() == 2)
        return true;
    if (text.compare("off", Qt::CaseInsensitive) == 0 && text.size() == 3)
        return false;
    return std::nullopt;
}

} // namespace ConfUnits
