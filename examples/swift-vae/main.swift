// A variational autoencoder on the handwritten digits with gentrain's Swift API: an encoder to the
// mean and log-variance of an 8-dimensional latent, `reparameterize`, a decoder to pixel logits,
// and the loss as binary cross-entropy plus `vaeKLDivergence`. Prints its progress, the held-out
// loss, and digits sampled from the prior drawn in the terminal.
//
//   swift run -c release vae-swift [--steps 3000] [path/to/digits.csv]
#if canImport(Glibc)
import Glibc
#endif
import Gentrain

/// The pixels of every row, scaled to [0, 1], split into training and held-out rows (every sixth).
func loadPixels(_ path: String) throws -> (train: [Float], test: [Float]) {
    guard let file = fopen(path, "r") else { throw GentrainError(.io, "cannot open \(path)") }
    defer { fclose(file) }
    var train: [Float] = [], test: [Float] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0, row = 0
    while getline(&line, &capacity, file) > 0 {
        let fields = String(cString: line!).split(separator: ",").compactMap { Float(String($0.filter { !$0.isWhitespace })) }
        guard fields.count == 65 else { throw GentrainError(.io, "\(path): row \(row) has \(fields.count) fields") }
        if row % 6 == 5 { test += fields[..<64].map { $0 / 16 } } else { train += fields[..<64].map { $0 / 16 } }
        row += 1
    }
    free(line)
    return (train, test)
}

let latent = 8
var steps = 3000, path = "data/digits.csv"
var arguments = CommandLine.arguments.dropFirst()
while let a = arguments.popFirst() {
    if a == "--steps", let n = arguments.popFirst().flatMap({ Int($0) }) { steps = n } else { path = a }
}
let (train, test) = try loadPixels(path)
manualSeed(0)
let encoder = try Sequential([Linear(64, 256), ReLU(), Linear(256, 2 * latent)])   // mean and log-variance
let decoder = try Sequential([Linear(latent, 256), ReLU(), Linear(256, 64)])      // pixel logits
let optimizer = try Adam(encoder.parameters() + decoder.parameters(), lr: 1e-3)

/// Per digit: reconstruction (binary cross-entropy summed over pixels) + KL(q(z|x) ‖ N(0, I)).
func loss(_ x: Tensor) throws -> Tensor {
    let h = try encoder(x)
    let (mean, logVar) = (try h.narrow(1, start: 0, length: latent), try h.narrow(1, start: latent, length: latent))
    let logits = try decoder(try reparameterize(mu: mean, logvar: logVar))
    let n = Double(x.shape[0])
    return try binaryCrossEntropyWithLogits(logits, x, reduction: .sum).add(vaeKLDivergence(mu: mean, logvar: logVar)).div(n)
}

let rows = train.count / 64, rng = Generator(seed: 0)
for step in 0..<steps {
    let picks = (0..<128).map { _ in Int(rng.nextInt(below: UInt64(rows))) }
    let x = try Tensor(picks.flatMap { train[($0 * 64)..<($0 * 64 + 64)] }, shape: [128, 64])
    let l = try loss(x)
    try optimizer.zeroGrad()
    try l.backward()
    try optimizer.step()
    if step % 100 == 0 || step == steps - 1 {   // a progress line, rewritten in place
        fputs("\rVAE \(step + 1)/\(steps)  loss \((try l.item() * 100).rounded() / 100)   ", stderr)
    }
}
fputs("\n", stderr)
let heldOut = try withNoGrad { try loss(Tensor(test, shape: [test.count / 64, 64])).item() }
print("after \(steps) steps: held-out loss \((heldOut * 100).rounded() / 100) nats per digit")

// Six digits from the prior, drawn with characters from light to dark.
let samples = try withNoGrad { try decoder(Tensor.randn([6, latent])).sigmoid().toArray(Float.self) }
let shades = Array(" .:-=+*#%@")
for y in 0..<8 {
    print((0..<6).map { d in String((0..<8).map { x in shades[min(9, Int(samples[d * 64 + y * 8 + x] * 10))] }) }
        .joined(separator: "   "))
}
