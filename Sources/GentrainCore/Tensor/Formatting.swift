#if canImport(Glibc)
import Glibc
#endif

// A tensor as PyTorch prints it (`repr`): "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]],
// requires_grad=True)". PyTorch's default print options: 4 digits, 80 columns, and beyond 1000
// elements only the first and last 3 along each dimension. The one formatter of the three doors
// (Swift's `description`, C's gentrain_tensor_to_string, Python's repr).

extension Tensor: CustomStringConvertible {
    /// The tensor as PyTorch prints it.
    public var description: String { (try? formatted()) ?? "tensor(<\(shapeString(shape)) \(dtype), not printable>)" }

    /// The tensor as PyTorch prints it; float32, int64 and bool are the dtypes it does not name.
    public func formatted() throws -> String {
        let layout = ElementLayout(shape: shape, summarize: numel > PrintOptions.threshold)
        // Only the shown elements are gathered and widened (a summary of 10^8 elements reads 36),
        // in the order `render` writes them.
        let shown = try withNoGrad {
            let flat = try reshape([numel])
            let picked = layout.summarize ? try flat.indexSelect(0, Tensor(layout.indices.map(Int64.init))) : flat
            return try (dtype.isFloatingPoint ? picked.to(.float64) : picked.to(.int64)).contiguous()
        }
        let values: [Value] = (0..<shown.numel).map { i in
            switch dtype {
            case .bool: return .bool(shown.pointer(Int64.self)[i] != 0)
            case _ where dtype.isFloatingPoint: return .float(shown.pointer(Double.self)[i])
            default: return .int(shown.pointer(Int64.self)[i])
            }
        }
        let formatter = ValueFormatter(values)
        let prefix = "tensor("
        var next = 0
        var body = numel == 0 && ndim > 0 ? "[]" : layout.render(indent: prefix.count) {
            defer { next += 1 }
            return formatter.format(values[next])
        }
        var suffixes: [String] = []
        if numel == 0 && shape != [0] { suffixes.append("size=(\(shape.map(String.init).joined(separator: ", "))\(ndim == 1 ? "," : ""))") }
        if dtype != .float32 && dtype != .int64 && dtype != .bool { suffixes.append("dtype=torch.\(dtype)") }
        if let name = gradFn?.name { suffixes.append("grad_fn=<\(name)>") } else if requiresGrad { suffixes.append("requires_grad=True") }
        body = prefix + body
        for s in suffixes {
            let lastLine = body.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
            body += lastLine.count + s.count + 2 > PrintOptions.lineWidth ? ",\n" + String(repeating: " ", count: prefix.count) + s : ", " + s
        }
        return body + ")"
    }
}

/// PyTorch's default print options.
private enum PrintOptions {
    static let precision = 4, threshold = 1000, edgeItems = 3, lineWidth = 80
}

/// One element, as the formatter sees it.
private enum Value {
    case float(Double), int(Int64), bool(Bool)
}

/// How every element of one tensor is written: fixed with 4 decimals, whole numbers with a point
/// ("3."), or scientific when the magnitudes span more than 1000× (or exceed 1e8, or, for
/// fractions, go below 1e-4), all padded to one width (PyTorch's `_Formatter`).
private struct ValueFormatter {
    private var intMode = true, sciMode = false, width = 1

    init(_ values: [Value]) {
        let floats = values.compactMap { if case .float(let v) = $0 { v } else { nil } }
        guard floats.count == values.count else {   // integers and bools: their own text
            width = values.map { text($0).count }.max() ?? 1
            return
        }
        // The mode and the width come from the finite nonzero values only; zeros, inf and nan
        // are written in that mode and width (or wider, unpadded).
        let finite = floats.filter { $0.isFinite && $0 != 0 }
        let magnitudes = finite.map(abs)
        guard let low = magnitudes.min(), let high = magnitudes.max() else { return }
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        sciMode = high / low > 1000 || high > 1e8 || (!intMode && low < 1e-4)
        width = Swift.max(1, finite.map { text(.float($0)).count }.max() ?? 1)
    }

    private func text(_ v: Value) -> String {
        switch v {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let x):
            if x.isNaN { return "nan" }
            if x.isInfinite { return x < 0 ? "-inf" : "inf" }
            if sciMode { return printf("%.\(PrintOptions.precision)e", x) }
            if intMode { return printf("%.0f", x) + "." }
            return printf("%.\(PrintOptions.precision)f", x)
        }
    }

    func format(_ v: Value) -> String {
        let t = text(v)
        return String(repeating: " ", count: Swift.max(0, width - t.count)) + t
    }

    /// C's printf of one double.
    private func printf(_ format: String, _ x: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            _ = withVaList([x]) { vsnprintf(buffer.baseAddress!, 64, format, $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}

/// The elements a print shows (all of them, or each dimension's first and last 3 when
/// summarizing), and their nesting in brackets.
private struct ElementLayout {
    let shape: [Int], summarize: Bool

    /// The positions shown along dimension `d`, nil standing for "...".
    private func positions(_ d: Int) -> [Int?] {
        let n = shape[d], e = PrintOptions.edgeItems
        guard summarize && n > 2 * e else { return Array(0..<n) }
        return Array(0..<e) + [nil] + Array((n - e)..<n)
    }

    /// Flat (row-major) indices of every shown element, in the order `render` writes them.
    var indices: [Int] {
        let strides = contiguousStrides(shape)
        var out: [Int] = []
        func walk(_ d: Int, _ base: Int) {
            guard d < shape.count else { out.append(base); return }
            for p in positions(d) { if let p { walk(d + 1, base + p * strides[d]) } }
        }
        walk(0, 0)
        return out
    }

    /// The nested brackets, the shown elements written by `element()` one after another.
    func render(indent: Int, _ element: () -> String) -> String {
        guard !shape.isEmpty else { return element() }
        func block(_ d: Int, _ indent: Int) -> String {
            if d == shape.count - 1 {
                // One row, wrapped to the line width, "..." standing for the elided middle.
                let items = positions(d).map { $0.map { _ in element() } ?? " ..." }
                let itemWidth = (items.first { $0 != " ..." }?.count ?? 1) + 2
                let perLine = Swift.max(1, (PrintOptions.lineWidth - indent) / itemWidth)
                let lines = stride(from: 0, to: items.count, by: perLine).map { items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ") }
                return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
            }
            let parts = positions(d).map { $0.map { _ in block(d + 1, indent + 1) } ?? "..." }
            let separator = "," + String(repeating: "\n", count: shape.count - 1 - d) + String(repeating: " ", count: indent + 1)
            return "[" + parts.joined(separator: separator) + "]"
        }
        return block(0, indent)
    }
}
