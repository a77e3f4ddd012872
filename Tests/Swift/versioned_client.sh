#!/bin/sh
# The Swift package as clients consume it: by URL and version. A clone of this repository's HEAD is
# tagged 0.1.0, and a client package that depends on it with `from: "0.1.0"` must resolve (SwiftPM
# refuses a versioned dependency whose product's targets use unsafe build flags), build and run.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/gentrain"
git -C "$work/gentrain" tag 0.1.0
mkdir -p "$work/client/Sources/client"
cat > "$work/client/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "client",
    dependencies: [.package(url: "file://$work/gentrain", from: "0.1.0")],
    targets: [.executableTarget(name: "client", dependencies: [.product(name: "Gentrain", package: "gentrain")])]
)
SWIFT
cat > "$work/client/Sources/client/main.swift" <<'SWIFT'
import Gentrain
let w = try Tensor([0.5, -1.0] as [Float], shape: [2, 1])
try w.setRequiresGrad(true)
let x = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
let loss = try x.matmul(w).gelu().sum()
try loss.backward()
print("client: loss", try loss.item(), "grad", try w.grad!.toArray(Float.self))
SWIFT
cd "$work/client"
swift build 2>&1 | grep -v "^\[" | grep -v "^Compiling\|^Building\|^Build of\|^Write\|^Fetching\|^Fetched\|^Cloning\|^Cloned\|^Computing\|^Computed\|^Creating\|^Working copy" || true
.build/debug/client
