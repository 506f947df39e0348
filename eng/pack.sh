#!/usr/bin/env bash
# Packs the shipped packages (core, SQLite, PostgreSQL, Testing, Hosting) with symbols into artifacts/packages.
# SourceLink is on when the repository has a remote (its URL becomes the packages' repository URL).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/packages}"
args=(-c Release -o "$out" -nologo)
if remote="$(git remote get-url origin 2>/dev/null)"; then
  args+=(-p:EnableSourceLink=true -p:ContinuousIntegrationBuild=true)
  case "$remote" in
    http*) args+=("-p:RepositoryUrl=$remote") ;;
  esac
else
  echo "pack.sh: no git remote: packing without SourceLink" >&2
fi
for project in src/*/*.csproj; do
  dotnet pack "$project" "${args[@]}"
done
