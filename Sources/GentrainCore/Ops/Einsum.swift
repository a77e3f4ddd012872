/// torch.einsum: Einstein summation over labeled dimensions, with PyTorch's equation syntax
/// (letters a-z and A-Z, "..." for broadcast dimensions, "->" before the output's labels; without
/// it, the output holds "..." and the letters used once, in alphabetical order). Built from
/// diagonals, sums, permutes and one batched matmul per pair of operands, so it is as fast as the
/// products it reduces to and differentiable to any order.
extension Tensor {
    /// The `operands` combined as `equation` says (torch.einsum("ij,jk->ik", a, b)).
    public static func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
        let (inputs, output) = try EinsumEquation.parse(equation, operands.map(\.ndim))
        var terms = try zip(operands, inputs).map { try EinsumTerm($0, $1).diagonalized() }
        // Labels still needed after term i: the output's and those of later terms.
        func needed(after i: Int) -> Set<Int> {
            terms[(i + 1)...].reduce(into: Set(output)) { $0.formUnion($1.labels) }
        }
        var acc = try terms[0].summed(keeping: needed(after: 0).union(terms.count > 1 ? terms[1].labels : []))
        for i in 1..<Swift.max(terms.count, 1) {
            let keep = needed(after: i)
            terms[i] = try terms[i].summed(keeping: keep.union(acc.labels))
            acc = try acc.contracted(with: terms[i], keeping: keep)
        }
        acc = try acc.summed(keeping: Set(output))
        guard Set(acc.labels) == Set(output) else {
            throw GentrainError.argument("einsum: output subscript \(EinsumEquation.name(output.first { !acc.labels.contains($0) }!)) does not appear in the equation for any input operand")
        }
        return try acc.tensor.permute(output.map { acc.labels.firstIndex(of: $0)! })
    }
}

/// A parsed equation: each operand's labels and the output's, letters as 0...51 (A-Z, a-z) and the broadcast
/// dimensions of "..." as 52, 53, … (aligned from the right across operands).
private enum EinsumEquation {
    static let ellipsisBase = 52

    static func parse(_ equation: String, _ ranks: [Int]) throws -> (inputs: [[Int]], output: [Int]) {
        var sides = [""]   // the text before and after "->"
        var previous: Character? = nil
        for c in equation where c != " " {
            if previous == "-" && c == ">" {
                sides[sides.count - 1].removeLast()
                sides.append("")
            } else {
                sides[sides.count - 1].append(c)
            }
            previous = c
        }
        guard sides.count <= 2 else { throw GentrainError.argument("einsum: the equation has more than one '->'") }
        let lhs = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard lhs.count == ranks.count else {
            throw GentrainError.argument("einsum: \(lhs.count) operands in the equation, \(ranks.count) given")
        }
        guard !ranks.isEmpty else { throw GentrainError.argument("einsum: must provide at least one operand") }
        let parsed = try zip(lhs, ranks).map { try letters($0, rank: $1) }
        let broadcast = parsed.map(\.ellipsisRank).max() ?? 0
        let inputs = parsed.map { p in p.labels.flatMap { $0 < 0 ? Array(ellipsisBase + broadcast - p.ellipsisRank ..< ellipsisBase + broadcast) : [$0] } }
        let ellipsis = Array(ellipsisBase ..< ellipsisBase + broadcast)
        guard sides.count == 2 else {   // implicit output: "..." and the letters used once, sorted
            let all = inputs.flatMap { $0 }.filter { $0 < ellipsisBase }
            return (inputs, ellipsis + Set(all).filter { l in all.filter { $0 == l }.count == 1 }.sorted())
        }
        let out = try letters(sides[1], rank: nil)
        let output = out.labels.flatMap { $0 < 0 ? ellipsis : [$0] }
        guard Set(output).count == output.count else { throw GentrainError.argument("einsum: output subscripts must be unique") }
        return (inputs, output)
    }

    /// The letters of one side (−1 where "..." stands) and how many dimensions "..." covers there.
    private static func letters(_ side: String, rank: Int?) throws -> (labels: [Int], ellipsisRank: Int) {
        var labels: [Int] = [], rest = Substring(side), dots = false
        while let c = rest.first {
            if rest.hasPrefix("...") {
                guard !dots else { throw GentrainError.argument("einsum: '...' may appear once per operand") }
                (dots, rest) = (true, rest.dropFirst(3))
                labels.append(-1)
                continue
            }
            guard let v = c.asciiValue, c.isLetter else {
                throw GentrainError.argument("einsum: invalid subscript '\(c)': subscripts are letters in [a-zA-Z]")
            }
            labels.append(v >= 97 ? Int(v) - 97 + 26 : Int(v) - 65)   // in ASCII order: A-Z, then a-z
            rest = rest.dropFirst()
        }
        let named = labels.filter { $0 >= 0 }.count
        guard let rank else { return (labels, 0) }
        guard dots ? named <= rank : named == rank else {
            throw GentrainError.shape("einsum: the operand with subscripts '\(side)' has \(rank) dimensions, the subscripts name \(named)")
        }
        return (labels, rank - named)
    }

    static func name(_ label: Int) -> String {
        label >= ellipsisBase ? "..." : String(UnicodeScalar(UInt8(label < 26 ? 65 + label : 97 + label - 26)))
    }
}

/// A tensor with one label per dimension.
private struct EinsumTerm {
    var tensor: Tensor
    var labels: [Int]

    init(_ tensor: Tensor, _ labels: [Int]) { (self.tensor, self.labels) = (tensor, labels) }

    /// A label repeated within the term becomes one dimension, the diagonal (einsum("ii->i")).
    func diagonalized() throws -> EinsumTerm {
        var t = self
        while let (i, j) = t.repeatedPair() {
            let n = t.tensor.shape[i]
            guard t.tensor.shape[j] == n else {
                throw GentrainError.shape("einsum: subscript \(EinsumEquation.name(t.labels[i])) is repeated for operand but the sizes don't match, \(n) != \(t.tensor.shape[j])")
            }
            let rest = t.labels.indices.filter { $0 != i && $0 != j }
            t = EinsumTerm(try t.tensor.diagonal(dim1: i, dim2: j), rest.map { t.labels[$0] } + [t.labels[i]])
        }
        return t
    }

    private func repeatedPair() -> (Int, Int)? {
        for j in labels.indices { if let i = labels[..<j].firstIndex(of: labels[j]) { return (i, j) } }
        return nil
    }

    /// The term with the labels not in `keep` summed out.
    func summed(keeping keep: Set<Int>) throws -> EinsumTerm {
        let gone = labels.indices.filter { !keep.contains(labels[$0]) }
        guard !gone.isEmpty else { return self }
        return EinsumTerm(try tensor.sum(dims: gone), labels.indices.filter { keep.contains(labels[$0]) }.map { labels[$0] })
    }

    /// self ⊗ other summed over their shared labels not in `keep`, as one batched matmul
    /// [batch, left, shared] @ [batch, shared, right]; shared dimensions of size 1 broadcast.
    func contracted(with other: EinsumTerm, keeping keep: Set<Int>) throws -> EinsumTerm {
        let shared = labels.filter { other.labels.contains($0) }
        let batch = shared.filter { keep.contains($0) }, summed = shared.filter { !keep.contains($0) }
        let left = labels.filter { !shared.contains($0) }, right = other.labels.filter { !shared.contains($0) }
        var size: [Int: Int] = [:]
        for (term, l) in [(self, labels), (other, other.labels)] {
            for (d, label) in l.enumerated() {
                let n = term.tensor.shape[d]
                if let known = size[label], known != n, known != 1, n != 1 {
                    throw GentrainError.shape("einsum: operands do not broadcast: subscript \(EinsumEquation.name(label)) has sizes \(known) and \(n)")
                }
                size[label] = Swift.max(size[label] ?? 1, n)
            }
        }
        func arranged(_ term: EinsumTerm, _ order: [Int], _ groups: [[Int]]) throws -> Tensor {
            let permuted = try term.tensor.permute(order.map { term.labels.firstIndex(of: $0)! })
            let expanded = try permuted.expand(order.map { shared.contains($0) ? size[$0]! : -1 })
            return try expanded.reshape(groups.map { $0.reduce(1) { $0 * size[$1]! } })
        }
        let a = try arranged(self, batch + left + summed, [batch, left, summed])
        let b = try arranged(other, batch + summed + right, [batch, summed, right])
        let product = try a.matmul(b).reshape((batch + left + right).map { size[$0]! })
        return EinsumTerm(product, batch + left + right)
    }
}
