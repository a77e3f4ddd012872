// Trains a 64-128-10 MLP on the handwritten digits with gentrain's Swift API and reports
// the accuracy on a fixed held-out split: every sixth digit (rows 5, 11, 17, …). With --mpi,
// every rank of an MPI job trains on its share of each batch (DistributedSampler) and
// DistributedDataParallel averages the gradients.
//
//   swift run -c release digits-swift [path/to/digits.csv]
//   mpirun -np 2 .build/release/digits-swift --mpi [path/to/digits.csv]
#if canImport(Glibc)
import Glibc
#endif
import Gentrain

/// Pixels scaled to [0, 1] and labels, split into training and held-out rows.
func loadDigits(_ path: String) throws -> (train: ([Float], [Int64]), test: ([Float], [Int64])) {
    guard let file = fopen(path, "r") else { throw GentrainError(.io, "cannot open \(path)") }
    defer { fclose(file) }
    var train: ([Float], [Int64]) = ([], []), test: ([Float], [Int64]) = ([], [])
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    var row = 0
    while getline(&line, &capacity, file) > 0 {
        let fields = String(cString: line!).split(separator: ",").compactMap { Int($0.trimmingCharacters(in: " \n")) }
        guard fields.count == 65 else { throw GentrainError(.io, "\(path): row \(row) has \(fields.count) fields") }
        let pixels = fields[..<64].map { Float($0) / 16 }
        if row % 6 == 5 { test.0 += pixels; test.1.append(Int64(fields[64])) }
        else { train.0 += pixels; train.1.append(Int64(fields[64])) }
        row += 1
    }
    free(line)
    return (train, test)
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return s
    }
}

func accuracy(_ model: Module, _ pixels: [Float], _ labels: [Int64]) throws -> Double {
    try withNoGrad {
        let x = try Tensor(pixels, shape: [labels.count, 64])
        let predicted = try model(x).argmax(dim: 1).toArray(Int64.self)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
let mpi = arguments.first == "--mpi"
if mpi { arguments.removeFirst() }
let (train, test) = try loadDigits(arguments.first ?? "data/digits.csv")
manualSeed(0)
let model = try Sequential([Linear(64, 128), ReLU(), Linear(128, 10)])
let optimizer = try Adam(model.parameters(), lr: 1e-2)
let n = train.1.count
var order = Array(0..<n)
let rng = Generator(seed: 0)
// With --mpi: this process's rank, and the model wrapped in DDP.
let group = mpi ? ProcessGroup(try MPIGroup()) : nil
let rank = group?.rank ?? 0, world = group?.worldSize ?? 1
let trained: Module = try group.map { try DistributedDataParallel(model, group: $0) } ?? model
var sampler = try DistributedSampler(datasetSize: n, numReplicas: world, rank: rank)
let batch = 64 / world   // each rank's share of the global batch of 64

for epoch in 1...20 {
    if mpi {
        sampler.setEpoch(epoch)
        order = sampler.indices()
    } else {
        // Shuffle (Fisher–Yates with the engine's seeded generator).
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.nextInt(below: UInt64(i + 1)))) }
    }
    var total = 0.0, batches = 0
    for start in stride(from: 0, through: order.count - batch, by: batch) {
        let rows = order[start..<start + batch]
        let x = try Tensor(rows.flatMap { train.0[$0 * 64..<$0 * 64 + 64] }, shape: [batch, 64])
        let y = try Tensor(rows.map { train.1[$0] })
        try optimizer.zeroGrad()
        let loss = try crossEntropy(trained(x), y)
        try Autograd.backward([loss])
        try optimizer.step()
        total += try loss.item()
        batches += 1
    }
    if (epoch == 1 || epoch % 5 == 0) && rank == 0 {
        let acc = try accuracy(model, test.0, test.1)
        print("epoch \(epoch)  loss \(String(format4: total / Double(batches)))  held-out accuracy \(String(format4: 100 * acc))%")
    }
}
let final = try accuracy(model, test.0, test.1)
print("rank \(rank) of \(world): final held-out accuracy: \(String(format4: 100 * final))% on \(test.1.count) digits")
if final < 0.95 { exit(2) }

extension String {
    /// A number with four decimals, without Foundation.
    init(format4 v: Double) {
        let scaled = Int((v * 10000).rounded())
        let frac = String(abs(scaled) % 10000)
        self = "\(scaled / 10000).\(String(repeating: "0", count: 4 - frac.count))\(frac)"
    }
}
