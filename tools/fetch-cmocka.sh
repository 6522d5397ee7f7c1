#!/bin/sh
# fetch-cmocka.sh DEST — put the source of cmocka, from Debian's `cmocka`
# source package, into DEST (a directory in the build tree; never committed).
# Idempotent: does nothing when DEST/src/cmocka.c exists (tools/fetch-source.sh).
set -eu
exec sh "$(dirname "$0")/fetch-source.sh" cmocka "${1:?usage: fetch-cmocka.sh DEST}" src/cmocka.c
