#pragma once

#include <QByteArrayView>
#include <QList>

// The names of nginx's directives: the core, events, http, stream and mail
// modules of nginx and the modules its documentation describes (including
// the commercial ones and njs), plus a few that recent versions removed but
// old configurations still carry (spdy_*, ssl, limit_zone). Names are
// case-sensitive, as in nginx.
//
// The config compiler uses this to tell "an nginx directive wsscope does not
// support" (a warning: the rest of a pasted nginx.conf still works) from "a
// word nginx would not know either" (an error: probably a typo).
bool isKnownNginxDirective(QByteArrayView name);

// Every known name, sorted and without duplicates (for completion in the
// editor).
QList<QByteArrayView> knownNginxDirectives();
