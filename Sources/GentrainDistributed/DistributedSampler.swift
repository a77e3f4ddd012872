import GentrainCore

/// The indices of a data set that one rank reads in an epoch (PyTorch's
/// `utils.data.DistributedSampler`): every rank gets `numSamples` indices; the ranks together
/// cover the data set once (padded with its first indices so that all get as many, or, with
/// `dropLast`, cut so that none is padded). With `shuffle`, the order is a permutation seeded by
/// `seed + epoch` (the same on every rank; `setEpoch` changes it each epoch).
///
/// Differs from PyTorch: the permutation comes from gentrain's generator, so it differs from
/// PyTorch's for the same seed.
public struct DistributedSampler: Sendable {
    public let datasetSize: Int, numReplicas: Int, rank: Int
    public let shuffle: Bool, seed: UInt64, dropLast: Bool
    public private(set) var epoch = 0

    public init(datasetSize: Int, numReplicas: Int, rank: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) throws {
        guard datasetSize >= 0 else { throw GentrainError(.invalidArgument, "DistributedSampler: dataset size must be non-negative, got \(datasetSize)") }
        guard numReplicas >= 1 else { throw GentrainError(.invalidArgument, "DistributedSampler: num_replicas must be positive, got \(numReplicas)") }
        guard (0..<numReplicas).contains(rank) else {
            throw GentrainError(.invalidArgument, "Invalid rank \(rank), rank should be in the interval [0, \(numReplicas - 1)]")
        }
        (self.datasetSize, self.numReplicas, self.rank) = (datasetSize, numReplicas, rank)
        (self.shuffle, self.seed, self.dropLast) = (shuffle, seed, dropLast)
    }

    /// How many indices each rank gets per epoch.
    public var numSamples: Int {
        if dropLast && datasetSize % numReplicas != 0 {
            return Swift.max(datasetSize - numReplicas, 0).quotientRoundingUp(numReplicas)
        }
        return datasetSize.quotientRoundingUp(numReplicas)
    }

    /// Sets the epoch, which seeds the next shuffle (call it before each epoch).
    public mutating func setEpoch(_ epoch: Int) { self.epoch = epoch }

    /// This rank's indices for the current epoch.
    public func indices() -> [Int] {
        var all = shuffle ? randomPermutation(datasetSize, Generator(seed: seed &+ UInt64(truncatingIfNeeded: epoch)))
                          : Array(0..<datasetSize)
        let total = numSamples * numReplicas
        if all.count < total, !all.isEmpty {
            let base = all
            while all.count < total { all += base.prefix(total - all.count) }
        } else {
            all = Array(all.prefix(total))
        }
        return Array(stride(from: rank, to: all.count, by: numReplicas).map { all[$0] })
    }
}

extension Int {
    fileprivate func quotientRoundingUp(_ d: Int) -> Int { (self + d - 1) / d }
}
