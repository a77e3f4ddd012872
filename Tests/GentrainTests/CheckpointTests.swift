import XCTest
import Gentrain

/// safetensors files (round trips, malformed input) and training checkpoints (exact resume).
final class CheckpointTests: XCTestCase {
    private var dir = ""

    override func setUp() {
        dir = "/tmp/gentrain-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o755)
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: dir)
    }

    func testSafeTensorsRoundTripsEveryDtype() throws {
        let tensors: [(String, Tensor)] = [
            ("f32", try Tensor.randn([3, 4])),
            ("f64.scalar", try Tensor.scalar(2.5, dtype: .float64)),
            ("bf16", try Tensor.randn([5]).to(.bfloat16)),
            ("f16", try Tensor.randn([2, 2]).to(.float16)),
            ("i32", try Tensor([1, -2, 3] as [Int32])),
            ("i64", try Tensor.arange(0, 6).reshape([2, 3])),
            ("mask", try Tensor([true, false] as [Bool])),
            ("empty", try Tensor.zeros([0, 3])),
            ("view", try Tensor.arange(0, 12, dtype: .float32).reshape([3, 4]).transpose(0, 1)),
        ]
        let path = "\(dir)/all.safetensors"
        try SafeTensors.save(tensors, metadata: ["note": "quote \" and \\ and\nnewline"], to: path)
        let (loaded, meta) = try SafeTensors.load(path)
        XCTAssertEqual(meta["note"], "quote \" and \\ and\nnewline")
        XCTAssertEqual(loaded.map(\.0), tensors.map(\.0))
        for ((_, a), (name, b)) in zip(tensors, loaded) {
            XCTAssertEqual(a.shape, b.shape, name)
            XCTAssertEqual(a.dtype, b.dtype, name)
            XCTAssertEqual(try a.toArray(Double.self), try b.toArray(Double.self), name)
        }
        XCTAssertThrowsError(try SafeTensors.save([("a", tensors[0].1), ("a", tensors[1].1)], to: path))
    }

    /// Writes raw bytes: an 8-byte header length, the header, then `data`.
    private func write(_ name: String, header: String, data: [UInt8], length: UInt64? = nil) -> String {
        var bytes: [UInt8] = []
        var n = (length ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8) + data
        let path = "\(dir)/\(name)"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func testMalformedFilesAreErrorsNotCrashes() throws {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertEqual(try SafeTensors.load(write("good", header: good, data: Array(repeating: 0, count: 8))).tensors.count, 1)
        let cases: [(String, String, [UInt8], UInt64?)] = [
            ("huge header length", good, [], UInt64.max),
            ("header longer than file", good, [], 1000),
            ("not json", "{nope", [], nil),
            ("not an object", "[1,2]", [], nil),
            ("offsets past the end", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, Array(repeating: 0, count: 8), nil),
            ("negative offset", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, Array(repeating: 0, count: 8), nil),
            ("size mismatch", #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8), nil),
            ("unknown dtype", #"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, Array(repeating: 0, count: 8), nil),
            ("negative dim", #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8), nil),
            ("overflowing shape", #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8), nil),
            ("missing fields", #"{"a":{"dtype":"F32"}}"#, [], nil),
            ("duplicate names", #"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#, Array(repeating: 0, count: 4), nil),
            ("metadata not strings", #"{"__metadata__":{"k":1}}"#, [], nil),
            ("deep nesting", String(repeating: "[", count: 100), [], nil),
            ("unterminated string", #"{"a"#, [], nil),
        ]
        for (what, header, data, length) in cases {
            let path = write(what.replacingOccurrences(of: " ", with: "_"), header: header, data: data, length: length)
            XCTAssertThrowsError(try SafeTensors.load(path), what) { e in
                XCTAssertEqual((e as? GentrainError)?.kind, .io, "\(what): \(e)")
            }
        }
        // Truncated data: a valid file cut short.
        let path = "\(dir)/full.safetensors"
        try SafeTensors.save([("x", try Tensor.randn([100]))], to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: bytes.prefix(bytes.count - 10)))
        XCTAssertThrowsError(try SafeTensors.load(path))
        XCTAssertThrowsError(try SafeTensors.load("\(dir)/missing.safetensors"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp.") }, [])
    }

    /// A small run whose every step uses the random generator (dropout) and a scheduler.
    private final class Run {
        let model: Sequential
        let optimizer: Adam
        let scheduler: CosineAnnealingWarmRestarts
        let x: Tensor, y: Tensor
        var step = 0

        init() throws {
            manualSeed(3)
            model = try Sequential([Linear(4, 8), ReLU(), Linear(8, 3)])
            optimizer = try Adam(model.parameters(), lr: 0.01, amsgrad: true)
            scheduler = try CosineAnnealingWarmRestarts(optimizer, t0: 4, tMult: 2)
            x = try Tensor.randn([16, 4])
            y = try Tensor.randint(0, 3, [16])
        }

        func train(_ steps: Int) throws {
            for _ in 0..<steps {
                try optimizer.zeroGrad()
                let h = try model(x.dropout(p: 0.2))
                try Autograd.backward([crossEntropy(h, y)])
                try optimizer.step()
                try scheduler.step()
                step += 1
            }
        }

        var checkpoint: TrainingCheckpoint {
            TrainingCheckpoint(tensors: model.namedParameters(), optimizers: [optimizer], schedulers: [scheduler],
                               step: step, metadata: ["run": "test"])
        }
    }

    func testResumeIsBitExact() throws {
        let straight = try Run()
        try straight.train(20)
        let expected = try straight.model.parameters().map { try $0.toArray(Float.self) }

        let first = try Run()
        try first.train(10)
        let path = "\(dir)/run.ckpt"
        try first.checkpoint.save(to: path)

        let resumed = try Run()   // fresh objects, other random state
        manualSeed(999)
        let ckpt = resumed.checkpoint
        try ckpt.load(from: path)
        resumed.step = ckpt.step
        XCTAssertEqual(ckpt.step, 10)
        XCTAssertEqual(ckpt.metadata, ["run": "test"])
        try resumed.train(10)
        XCTAssertEqual(try resumed.model.parameters().map { try $0.toArray(Float.self) }, expected)
    }

    func testLoadReportsMismatches() throws {
        let run = try Run()
        try run.train(2)
        let path = "\(dir)/m.ckpt"
        try run.checkpoint.save(to: path)
        let other = try Sequential([Linear(4, 9), ReLU(), Linear(9, 3)])
        let before = try other.parameters().map { try $0.toArray(Float.self) }
        XCTAssertThrowsError(try TrainingCheckpoint(tensors: other.namedParameters()).load(from: path)) { e in
            let m = (e as! GentrainError).message
            XCTAssertTrue(m.contains("'0.weight': shape [8, 4] in the file, [9, 4] in the model"), m)
        }
        XCTAssertEqual(try other.parameters().map { try $0.toArray(Float.self) }, before)   // nothing changed
        let fewer = Array(run.model.namedParameters().dropLast())
        XCTAssertThrowsError(try TrainingCheckpoint(tensors: fewer).load(from: path)) { e in
            XCTAssertTrue((e as! GentrainError).message.contains("unexpected '2.bias'"))
        }
        try SafeTensors.save([("x", try Tensor.zeros([1]))], to: "\(dir)/plain.safetensors")
        XCTAssertThrowsError(try run.checkpoint.load(from: "\(dir)/plain.safetensors"))
    }
}
