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

// Why wsscope refuses an nginx directive it does not implement: what a
// client or an upstream would see differently if wsscope ran without it
// ("responses would not be cached"). Empty for the directives that cannot
// change what a client or upstream sees (buffer sizes, sendfile, temp paths,
// the events block, hash sizes...): wsscope warns about those and goes on.
// The config compiler makes the others errors, unless `wsscope_ignore` names
// them.
QString unsupportedEffect(QByteArrayView name);

// Where a directive most likely came from when it was copied by accident
// ("Debian's default site", "a PHP site"), for the refusal's message; empty
// when nothing is typical.
QString likelyCopiedFrom(QByteArrayView name);
