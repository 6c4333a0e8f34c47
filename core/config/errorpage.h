#pragma once

#include "config/confdiagnostic.h"
#include "http/variables.h"

#include <QByteArray>
#include <QList>

// error_page CODE... [=[RESPONSE]] URI|@NAME, one entry per code
// (ngx_http_core_error_page: ngx_http_err_page_t).
struct ErrorPage
{
    int status = 0;
    // -1: the answer keeps the error's status; 0 (a bare "="): the status of
    // the redirected answer; else that status.
    int overwrite = -1;
    // "/uri", "@name" or an external URL ("http://..."); with variables it
    // is evaluated per request (then "?args" are split off at run time).
    ValueTemplate uri;
    QByteArray args; // a constant "/uri?args": the part after '?' (uri holds the part before)
    ConfLocation at;

    bool operator==(const ErrorPage &o) const = default;
};

// try_files FILE... URI|=CODE|@NAME (ngx_http_core_try_files): each file
// under root/alias (a trailing '/' wants a directory); the first that
// exists becomes $uri, else the last argument is the answer.
struct TryFiles
{
    QList<ValueTemplate> files;
    ValueTemplate fallback; // "/uri?args" or "@name" (unused when `code` is set)
    int code = 0;           // "=CODE"
    ConfLocation at;

    bool isSet() const { return at.isValid(); }
    bool operator==(const TryFiles &o) const = default;
};
