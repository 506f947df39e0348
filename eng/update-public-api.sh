#!/usr/bin/env bash
# Rewrites PublicAPI.Unshipped.txt of every shipped package from the code (the RS0016 code fix), so additions and
# removals both show. Run after changing public API on purpose, then review the diff: it is what users will see.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dir=$(dirname "$project")
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn 2>&1 | grep -v "Warnings were encountered" || true
done
