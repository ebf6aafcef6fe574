#!/bin/sh
# dracut shutdown hook (sourced in a subshell; re-run until it returns 0, then removed).
# hardnut-killpower.sh is idempotent and returns 0 unless a driver failed.
/usr/lib/hardnut/hardnut-killpower.sh
