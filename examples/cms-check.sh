#!/usr/bin/env sh
# Called by the CMS before publishing: the draft's HTML arrives on standard input.
#   cms-check.sh [quoteproof options] < article.html
#   exit 0: publish; 1: blocked (the JSON report on stdout says why); 2: could not check
# e.g. cms-check.sh --fail-on drift --corpus /srv/newsroom.db < article.html
set -u
draft=$(mktemp --suffix=.html) || exit 2   # the .html suffix makes quoteproof parse it as HTML
trap 'rm -f "$draft"' EXIT
cat > "$draft"
quoteproof check "$draft" --format json "$@"
