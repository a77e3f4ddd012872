/// Walks `shape` in row-major order for several operands, each read through its own strides
/// (in elements), and calls `body(offsets, n, innerStrides)` once per innermost run of `n`
/// elements. Dimensions of size 1 are dropped and dimensions that are contiguous for every
/// operand are merged first, so contiguous tensors make one run.
func forEachRun(_ shape: [Int], _ strides: [[Int]],
                _ body: (_ offsets: UnsafePointer<Int>, _ n: Int, _ inner: UnsafePointer<Int>) -> Void) {
    let k = strides.count
    // Collapse: dims[j] = size, st[j*k + op] = stride.
    var sizes: [Int] = []
    var st: [Int] = []
    sizes.reserveCapacity(shape.count)
    st.reserveCapacity(shape.count * k)
    for d in 0..<shape.count {
        let size = shape[d]
        if size == 0 { return }
        if size == 1 { continue }
        if let last = sizes.last {
            let base = (sizes.count - 1) * k
            var mergeable = true
            for o in 0..<k where st[base + o] != strides[o][d] * size { mergeable = false; break }
            if mergeable {
                sizes[sizes.count - 1] = last * size
                for o in 0..<k { st[base + o] = strides[o][d] }
                continue
            }
        }
        sizes.append(size)
        for o in 0..<k { st.append(strides[o][d]) }
    }
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * k + 1) { buf in
        let offsets = buf.baseAddress!
        let inner = offsets + k
        for o in 0..<k { offsets[o] = 0 }
        if sizes.isEmpty {
            for o in 0..<k { inner[o] = 0 }
            body(offsets, 1, inner)
            return
        }
        let nd = sizes.count
        let n = sizes[nd - 1]
        for o in 0..<k { inner[o] = st[(nd - 1) * k + o] }
        if nd == 1 { body(offsets, n, inner); return }
        var counter = [Int](repeating: 0, count: nd - 1)
        while true {
            body(offsets, n, inner)
            var d = nd - 2
            while d >= 0 {
                counter[d] += 1
                for o in 0..<k { offsets[o] += st[d * k + o] }
                if counter[d] < sizes[d] { break }
                for o in 0..<k { offsets[o] -= st[d * k + o] * sizes[d] }
                counter[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }
}

/// `forEachRun` with the indices of the first dimension split over the pool, at least `grain`
/// elements per thread (each thread walks its block of them; the runs are the same).
func parallelForEachRun(_ shape: [Int], _ strides: [[Int]], grain: Int,
                        _ body: (_ offsets: UnsafePointer<Int>, _ n: Int, _ inner: UnsafePointer<Int>) -> Void) {
    let count = shape.reduce(1, *), outer = shape.first ?? 1
    guard shape.count > 1, outer > 1, count / Swift.max(grain, 1) > 1 else {
        forEachRun(shape, strides, body)
        return
    }
    let k = strides.count
    parallelFor(outer, itemSize: count / outer, grain: grain) { block in
        var part = shape
        part[0] = block.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * k) { buffer in
            let start = buffer.baseAddress!, shifted = start + k   // the block's first element in each operand
            for o in 0..<k { start[o] = strides[o][0] * block.lowerBound }
            forEachRun(part, strides) { offsets, n, inner in
                for o in 0..<k { shifted[o] = offsets[o] + start[o] }
                body(shifted, n, inner)
            }
        }
    }
}
