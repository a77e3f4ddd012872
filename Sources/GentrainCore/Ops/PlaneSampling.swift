/// Picking rows and columns of each plane of `[N, C, H, W]`: nearest-neighbour resizing. The
/// pick and its adjoint (adding each picked element back where it came from) are each other's
/// gradient, so every order of derivative is one of the two; both are one pass over the planes.
extension Tensor {
    /// `out[n, c, i, j] = self[n, c, rows[i], columns[j]]`, `[N, C, rows.count, columns.count]`.
    public func pickPlanes(rows: [Int], columns: [Int]) throws -> Tensor {
        guard ndim == 4, dtype.isFloatingPoint, rows.allSatisfy({ (0..<shape[2]).contains($0) }),
              columns.allSatisfy({ (0..<shape[3]).contains($0) }) else {
            throw GentrainError.shape("pick_planes: expected a floating point [N, C, H, W] and rows and columns inside it, got \(dtype) \(shapeString(shape))")
        }
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let ct = dtype.computeType
        let x = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor(empty: [shape[0], shape[1], rows.count, columns.count], dtype: ct)
        func run<T: FloatElement>(_: T.Type) {
            let (px, po, oh, ow) = (x.pointer(T.self), out.pointer(T.self), rows.count, columns.count)
            columns.withUnsafeBufferPointer { cols in
                parallelFor(planes, grain: 4) { block in
                    for p in block {
                        for (i, r) in rows.enumerated() {
                            let (src, dst) = (px + (p * h + r) * w, po + (p * oh + i) * ow)
                            for j in 0..<ow { dst[j] = src[cols[j]] }
                        }
                    }
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        let inShape = shape
        return record(result, "PickPlanesBackward", self) { _, g in
            [try g.placePlanes(rows: rows, columns: columns, into: (inShape[2], inShape[3]))]
        }
    }

    /// The adjoint of `pickPlanes`: `[N, C, size.0, size.1]` zeros with `self[n, c, i, j]` added
    /// at `[n, c, rows[i], columns[j]]`.
    public func placePlanes(rows: [Int], columns: [Int], into size: (Int, Int)) throws -> Tensor {
        guard ndim == 4, dtype.isFloatingPoint, shape[2] == rows.count, shape[3] == columns.count,
              rows.allSatisfy({ (0..<size.0).contains($0) }), columns.allSatisfy({ (0..<size.1).contains($0) }) else {
            throw GentrainError.shape("place_planes: expected a floating point [N, C, \(rows.count), \(columns.count)] placed inside \(size), got \(dtype) \(shapeString(shape))")
        }
        let (planes, h, w) = (shape[0] * shape[1], size.0, size.1)
        let ct = dtype.computeType
        let g = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor(empty: [shape[0], shape[1], h, w], dtype: ct, zeroed: true)
        func run<T: FloatElement>(_: T.Type) {
            let (pg, po, gh, gw) = (g.pointer(T.self), out.pointer(T.self), rows.count, columns.count)
            columns.withUnsafeBufferPointer { cols in
                parallelFor(planes, grain: 4) { block in
                    for p in block {
                        for (i, r) in rows.enumerated() {
                            let (src, dst) = (pg + (p * gh + i) * gw, po + (p * h + r) * w)
                            for j in 0..<gw { dst[cols[j]] += src[j] }
                        }
                    }
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        return record(result, "PlacePlanesBackward", self) { _, gg in [try gg.pickPlanes(rows: rows, columns: columns)] }
    }
}
