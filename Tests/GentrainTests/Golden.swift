import Foundation
import Gentrain

/// A tensor as the golden files store it: shape, dtype, flat values.
struct StoredTensor {
    let shape: [Int]
    let dtype: String
    let requiresGrad: Bool
    let data: [Double]

    init(_ json: Any) {
        let d = json as! [String: Any]
        shape = (d["shape"] as! [Double]).map { Int($0) }
        dtype = d["dtype"] as! String
        requiresGrad = d["requires_grad"] as? Bool ?? false
        data = (d["data"] as! [Any]).map { ($0 as? Double) ?? (($0 as! Bool) ? 1 : 0) }
    }

    /// The tensor in gentrain, floating-point data as `floatType`.
    func tensor(_ floatType: DType) throws -> Tensor {
        let dt: DType = dtype == "int64" ? .int64 : (dtype == "bool" ? .bool : floatType)
        let t = try Tensor(data, shape: shape, dtype: dt)
        if requiresGrad { try t.setRequiresGrad(true) }
        return t
    }
}

/// Any JSON value, decoded with correctly rounded numbers.
struct JSONValue: Decodable {
    let value: Any

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = NSNull() }
        else if let b = try? c.decode(Bool.self) { value = b }
        else if let d = try? c.decode(Double.self) { value = d }
        else if let s = try? c.decode(String.self) { value = s }
        else if let a = try? c.decode([JSONValue].self) { value = a.map(\.value) }
        else { value = try c.decode([String: JSONValue].self).mapValues(\.value) }
    }
}

/// One op of the golden file: inputs, output, first and second-order gradients.
struct GoldenCase {
    let name: String
    let inputs: [StoredTensor]
    let output: StoredTensor
    let w: StoredTensor
    let grads: [StoredTensor]
    let v: [StoredTensor]
    let gradGrads: [StoredTensor]
}

enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// A golden file as nested `[String: Any]`, `[Any]`, `Double`, `String` and `Bool` values.
    /// (Parsed with JSONDecoder: JSONSerialization here rounds some numbers off by an ulp.)
    static func json(_ file: String) -> [String: Any] {
        let data = try! Data(contentsOf: directory.appendingPathComponent(file))
        return try! JSONDecoder().decode(JSONValue.self, from: data).value as! [String: Any]
    }

    static let cases: [GoldenCase] = (json("ops.json")["cases"] as! [[String: Any]]).map { c in
        GoldenCase(name: c["name"] as! String,
                   inputs: (c["inputs"] as! [Any]).map(StoredTensor.init),
                   output: StoredTensor(c["output"]!), w: StoredTensor(c["w"]!),
                   grads: (c["grads"] as! [Any]).map(StoredTensor.init),
                   v: (c["v"] as! [Any]).map(StoredTensor.init),
                   gradGrads: (c["grad_grads"] as! [Any]).map(StoredTensor.init))
    }
}

/// The ops of the golden file, by name, as gentrain computes them: the cases named after an op
/// of tensors only in api/ops.py come from GeneratedOps.swift, the others are written here.
let opTable = generatedOps.merging(handWrittenOps) { _, handWritten in handWritten }

let handWrittenOps: [String: ([Tensor]) throws -> Tensor] = [
    "tril": { try $0[0].tril() },
    "lerp_third": { try $0[0].lerp($0[1], weight: 0.3) },
    "lerp_most": { try $0[0].lerp($0[1], weight: 0.9) },
    "triu_1": { try $0[0].triu(diagonal: 1) },
    "tril_minus_2": { try $0[0].tril(diagonal: -2) },
    "flip_0_2": { try $0[0].flip([0, -1]) },
    "roll_two_dims": { try $0[0].roll([1, -5], dims: [0, 2]) },
    "roll_flat": { try $0[0].roll([7]) },
    "prod_all": { try $0[0].prod() },
    "prod_dim_1_zeros": { try $0[0].prod(dim: 1) },
    "cumprod_1_zeros": { try $0[0].cumprod(dim: 1) },
    "diag_vector_2": { try $0[0].diag(diagonal: 2) },
    "diag_matrix_minus_1": { try $0[0].diag(diagonal: -1) },
    "hardtanh_minus_2_3": { try $0[0].hardtanh(minVal: -2, maxVal: 3) },
    "celu_half": { try $0[0].celu(alpha: 0.5) },
    "glu_dim_1": { try $0[0].glu(dim: 1) },
    "softmin_1": { try $0[0].softmin(dim: 1) },
    "threshold_1_minus_2": { try $0[0].threshold(1, value: -2) },
    "softshrink_1": { try $0[0].softshrink(lambd: 1) },
    "hardshrink_1": { try $0[0].hardshrink(lambd: 1) },
    "pairwise_distance_p3": { try pairwiseDistance($0[0], $0[1], p: 3) },
    "addmm_scaled": { try $0[0].addmm($0[1], $0[2], beta: 0.5, alpha: -2) },
    "baddbmm_scaled": { try $0[0].baddbmm($0[1], $0[2], beta: 2, alpha: 0.5) },
    "einsum_product": { try Tensor.einsum("ij,jk->ik", $0) },
    "einsum_diagonal": { try Tensor.einsum("ii,i->i", $0) },
    "einsum_batch_broadcast": { try Tensor.einsum("...ij,jk->...ik", [$0[0], $0[1].select(0, 0)]) },
    "einsum_implicit": { try Tensor.einsum("ij,jk", $0) },
    "normalize_p1_dim0": { try normalize($0[0], p: 1, dim: 0) },
    "scatter_dim_1": { try $0[0].scatter(1, $0[1], $0[2]) },
    "diagonal_1_0_2": { try $0[0].diagonal(offset: 1, dim1: 0, dim2: 2) },
    "cdist_matrix_products": { try cdist($0[0], $0[1]) },
    "rms_norm_weight": { try rmsNorm($0[0], normalizedShape: [4], weight: $0[1]) },
    "slogdet_logabsdet": { try $0[0].slogdet().logabsdet },
    "linalg_solve_vectors": { try $0[0].solve($0[1]) },
    "scatter_reduce_prod": { try $0[0].scatterReduce(0, $0[1], $0[2], reduce: .prod) },
    "scatter_reduce_mean_exclude_self": { try $0[0].scatterReduce(0, $0[1], $0[2], reduce: .mean, includeSelf: false) },
    "scatter_reduce_amax": { try $0[0].scatterReduce(0, $0[1], $0[2], reduce: .amax) },
    "embedding_bag_sum_weighted": { try embeddingBag($0[0], $0[1], offsets: $0[2], mode: .sum, perSampleWeights: $0[3]) },
    "embedding_bag_max_rows": { try embeddingBag($0[0], $0[1], mode: .max) },
    "embedding_bag_mean_padding": { try embeddingBag($0[0], $0[1], offsets: $0[2], mode: .mean, paddingIdx: 4) },
    "local_response_norm_3": { try localResponseNorm($0[0], size: 3, alpha: 0.5, beta: 0.6, k: 1.5) },
    "conv3d_strided_grouped": {
        try conv3d($0[0], $0[1], bias: $0[2], stride: (2, 1, 2), padding: (1, 0, 1), dilation: (2, 1, 1), groups: 2)
    },
    "linalg_solve_broadcast": { try $0[0].solve($0[1]) },
    "linalg_cholesky_gram": {
        try $0[0].matmul($0[0].transpose(-2, -1)).add(Tensor.eye(3, dtype: .float64).mul(3)).cholesky()
    },
    "max_pool1d_3_2_1": { try maxPool1d($0[0], kernel: 3, stride: 2, padding: 1) },
    "avg_pool1d_3_2_1_excluding_pad": { try avgPool1d($0[0], kernel: 3, stride: 2, padding: 1, countIncludePad: false) },
    "conv_transpose1d_strided": { try convTranspose1d($0[0], $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1, dilation: 2) },
    "pixel_unshuffle_2": { try pixelUnshuffle($0[0], downscaleFactor: 2) },
    "polygamma_2": { try $0[0].polygamma(2) },
    "grid_sample_bilinear_zeros": { try gridSample($0[0], $0[1]) },
    "grid_sample_bilinear_border_corners": { try gridSample($0[0], $0[1], paddingMode: .border, alignCorners: true) },
    "affine_grid_2_3_4_5": { try affineGrid($0[0], size: [2, 3, 4, 5]) },
    "adaptive_max_pool2d_3_2": { try adaptiveMaxPool2d($0[0], outputSize: (3, 2)) },
    "triplet_margin_loss_swap": { try tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 0.5, swap: true) },
    "margin_ranking_loss": { try marginRankingLoss($0[0], $0[1], $0[2], margin: 0.2) },
    "hinge_embedding_loss": { try hingeEmbeddingLoss($0[0], $0[1], margin: 0.7) },
    "soft_margin_loss": { try softMarginLoss($0[0], $0[1]) },
    "multilabel_soft_margin_loss": { try multilabelSoftMarginLoss($0[0], $0[1], weight: $0[2]) },
    "poisson_nll_loss_full": { try poissonNLLLoss($0[0], $0[1], logInput: false, full: true) },
    "add_broadcast": { try $0[0] + $0[1] },
    "sub_broadcast": { try $0[0] - $0[1] },
    "mul_scalar_tensor": { try $0[0] * $0[1] },
    "pow_tensor": { try $0[0].pow($0[1]) },
    "pow_scalar3": { try $0[0].pow(3) },
    "pow_scalar_half": { try $0[0].pow(0.5) },
    "add_scalar": { try $0[0] + 2.5 },
    "mul_scalar": { try $0[0] * -1.5 },
    "rsub_scalar": { try 2 - $0[0] },
    "rdiv_scalar": { try 3 / $0[0] },
    "leaky_relu": { try $0[0].leakyRelu(negativeSlope: 0.2) },
    "gelu": { try $0[0].gelu() },
    "gelu_tanh": { try $0[0].gelu(approximate: .tanh) },
    "softplus": { try $0[0].softplus(beta: 2, threshold: 5) },
    "clamp": { try $0[0].clamp(min: -0.5, max: 0.7) },
    "where": { x in
        let cond = try Tensor.arange(0, 12).reshape([3, 4]).toArray(Int64.self).map { $0 % 3 == 0 }
        return try Tensor.where(Tensor(cond, shape: [3, 4]), x[0], x[1])
    },
    "sum_all": { try $0[0].sum() },
    "sum_dim_keepdim": { try $0[0].sum(dims: [1], keepdim: true) },
    "sum_dims": { try $0[0].sum(dims: [0, 2]) },
    "mean_dim": { try $0[0].mean(dims: [0]) },
    "var_dim": { try $0[0].variance(dims: [1]) },
    "var_all_biased": { try $0[0].variance(correction: 0) },
    "amax_dim": { try $0[0].amax(dims: [1]) },
    "amin_all": { try $0[0].amin() },
    "max_dim_values": { try $0[0].max(dim: 0).values },
    "min_dim_values_keepdim": { try $0[0].min(dim: 1, keepdim: true).values },
    "logsumexp": { try $0[0].logsumexp(dims: [1]) },
    "norm2_all": { try $0[0].norm() },
    "norm2_dim": { try $0[0].norm(dims: [1]) },
    "norm1_dim": { try $0[0].norm(p: 1, dims: [0]) },
    "norm_inf": { try $0[0].norm(p: .infinity) },
    "norm3": { try $0[0].norm(p: 3) },
    "matmul_2d": { try $0[0].matmul($0[1]) },
    "matmul_batched_broadcast": { try $0[0].matmul($0[1]) },
    "matmul_batched_both": { try $0[0].matmul($0[1]) },
    "matmul_mv": { try $0[0].matmul($0[1]) },
    "matmul_vm": { try $0[0].matmul($0[1]) },
    "matmul_dot": { try $0[0].matmul($0[1]) },
    "matmul_transposed": { try $0[0].t().matmul($0[1].t()) },
    "linear": { try linear($0[0], $0[1], $0[2]) },
    "linear_3d_nobias": { try linear($0[0], $0[1]) },
    "reshape": { try $0[0].reshape([2, 6]) * Tensor.arange(0, 12, dtype: $0[0].dtype).reshape([2, 6]) },
    "permute": { try $0[0].permute([2, 0, 1]).sin() },
    "transpose_contiguous": { try $0[0].transpose(0, 1).contiguous().exp() },
    "expand": { try $0[0].expand([2, 3, 4]).tanh() },
    "unsqueeze_squeeze": { try $0[0].unsqueeze(1).exp().squeeze(1) },
    "flatten": { try $0[0].flatten(startDim: 1).sin() },
    "cat": { try Tensor.cat([$0[0], $0[1]], dim: 1).exp() },
    "stack": { try Tensor.stack([$0[0], $0[1]], dim: 1).tanh() },
    "split_piece": { try $0[0].split(2, dim: 0)[2].exp() },
    "chunk_piece": { try $0[0].chunk(3, dim: 1)[1].exp() },
    "narrow": { try $0[0].narrow(0, start: 1, length: 3).exp() },
    "slice_step": { try $0[0].slice(0, start: 1, end: 6, step: 2).exp() },
    "slice_negative": { try $0[0].slice(1, start: -4).exp() },
    "select": { try $0[0].select(1, -1).exp() },
    "index_select": { try $0[0].indexSelect(0, $0[1]).sin() },
    "index_add": { try $0[0].indexAdd(0, $0[1], $0[2]).sin() },
    "gather": { try $0[0].gather(1, $0[1]).exp() },
    "scatter_add": { try $0[0].scatterAdd(1, $0[1], $0[2]).sin() },
    "masked_fill": { x in
        try x[0].maskedFill(Tensor([true, false, true, false]), 0.5).exp()
    },
    "embedding": { try embedding($0[0], $0[1]).sin() },
    "softmax": { try $0[0].softmax(dim: 1) },
    "softmax_dim0": { try $0[0].softmax(dim: 0) },
    "log_softmax": { try $0[0].logSoftmax(dim: 1) },
    "log_softmax_3d_dim1": { try $0[0].logSoftmax(dim: 1) },
    "cross_entropy_mean": { try crossEntropy($0[0], $0[1]) },
    "cross_entropy_sum": { try crossEntropy($0[0], $0[1], reduction: .sum) },
    "cross_entropy_none": { try crossEntropy($0[0], $0[1], reduction: .none) },
    "cross_entropy_ignore": { try crossEntropy($0[0], $0[1]) },
    "cross_entropy_weight": { try crossEntropy($0[0], $0[1], weight: $0[2]) },
    "cross_entropy_smoothing": { try crossEntropy($0[0], $0[1], weight: $0[2], labelSmoothing: 0.1) },
    "cross_entropy_kdim": { try crossEntropy($0[0], $0[1]) },
    "cross_entropy_probabilities": { try crossEntropy($0[0], $0[1], weight: $0[2], labelSmoothing: 0.2) },
    "nll_loss_weight_ignore": { try nllLoss($0[0], $0[1], weight: $0[2]) },
    "mse_loss": { try mseLoss($0[0], $0[1]) },
    "mse_loss_sum": { try mseLoss($0[0], $0[1], reduction: .sum) },
    "l1_loss": { try l1Loss($0[0], $0[1]) },
    "smooth_l1_loss": { try smoothL1Loss($0[0], $0[1], beta: 0.5) },
    "huber_loss_none": { try huberLoss($0[0], $0[1], reduction: .none, delta: 0.7) },
    "binary_cross_entropy": { try binaryCrossEntropy($0[0], $0[1], weight: $0[2]) },
    "bce_with_logits": { try binaryCrossEntropyWithLogits($0[0], $0[1], weight: $0[3], posWeight: $0[2]) },
    "bce_with_logits_large": { try binaryCrossEntropyWithLogits($0[0], $0[1], reduction: .sum) },
    "kl_div_batchmean": { try klDiv($0[0], $0[1], reduction: .batchmean) },
    "kl_div_log_target": { try klDiv($0[0], $0[1], reduction: .sum, logTarget: true) },
    "gaussian_nll_full": { try gaussianNLLLoss($0[0], $0[1], variance: $0[2], full: true) },
    "gaussian_nll_var_dim": { try gaussianNLLLoss($0[0], $0[1], variance: $0[2]) },
    "cosine_similarity": { try cosineSimilarity($0[0], $0[1], dim: 1) },
    "cosine_embedding_loss": { try cosineEmbeddingLoss($0[0], $0[1], $0[2], margin: -0.5) },
    "vae_kl": { try vaeKLDivergence(mu: $0[0], logvar: $0[1]) },
    "wgan_critic": { try GANLoss.wassersteinCritic(real: $0[0], fake: $0[1]) },
    "nonsaturating_d": { try GANLoss.nonSaturatingDiscriminator(real: $0[0], fake: $0[1]) },
    "hinge_d": { try GANLoss.hingeDiscriminator(real: $0[0], fake: $0[1]) },
    "entropy": { try Reinforce.entropy(logits: $0[0]) },
    "unfold": { try $0[0].unfold(WindowGeometry(kernel: (2, 3), stride: (1, 2), padding: (1, 1), dilation: (2, 1))).sin() },
    "fold": { try $0[0].fold(into: [2, 3, 4, 5], WindowGeometry(kernel: (2, 2), stride: (2, 2), padding: (0, 1))).sin() },
    "conv2d": { try conv2d($0[0], $0[1], bias: $0[2], stride: (2, 1), padding: .explicit(1, 0)) },
    "conv2d_groups_dilation": { try conv2d($0[0], $0[1], dilation: (2, 2), groups: 2) },
    "conv2d_same_even": { try conv2d($0[0], $0[1], padding: .same) },
    "conv2d_batch1_odd": { try conv2d($0[0], $0[1], bias: $0[2], padding: .explicit(1, 1)).tanh() },
    "conv1d": { try conv1d($0[0], $0[1], bias: $0[2], stride: 2, padding: .explicit(1, 1)) },
    "conv_transpose2d": { try convTranspose2d($0[0], $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)) },
    "conv_transpose2d_groups": { try convTranspose2d($0[0], $0[1], stride: (1, 2), groups: 2) },
    "conv2d_wide": { try conv2d($0[0], $0[1], bias: $0[2], stride: (2, 1), padding: .explicit(1, 2), dilation: (1, 2)) },
    "conv2d_wide_groups": { try conv2d($0[0], $0[1], padding: .explicit(1, 1), groups: 2).tanh() },
    "conv_transpose2d_wide": { try convTranspose2d($0[0], $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)) },
    "conv_transpose2d_dilated_pad": { try convTranspose2d($0[0], $0[1], outputPadding: (1, 2), dilation: (2, 3)) },
    "upsample_scale_nearest": { try upsample($0[0], scaleFactor: (1.7, 1.7)).sin() },
    "upsample_scale_bilinear": { try upsample($0[0], scaleFactor: (2.5, 1.3), mode: .bilinear).sin() },
    "upsample_bilinear_align_corners": { try upsample($0[0], size: (5, 7), mode: .bilinear, alignCorners: true).sin() },
    "upsample_scale_bilinear_align_corners": {
        try upsample($0[0], scaleFactor: (1.6, 3.0), mode: .bilinear, alignCorners: true).sin()
    },
    "elu": { try $0[0].elu(alpha: 0.7) },
    "cumsum": { try $0[0].cumsum(dim: 1) },
    "cumsum_last": { try $0[0].cumsum(dim: -1).sin() },
    "max_pool2d": { try maxPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "avg_pool2d": { try avgPool2d($0[0], kernel: (2, 2)) },
    "avg_pool2d_pad_exclude": { try avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) },
    "adaptive_avg_pool2d": { try adaptiveAvgPool2d($0[0], outputSize: (3, 2)) },
    "max_pool2d_ceil_dilation": { try maxPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (2, 2), ceilMode: true) },
    "max_pool2d_ceil": { try maxPool2d($0[0], kernel: (3, 2), stride: (2, 2), ceilMode: true) },
    "avg_pool2d_ceil": { try avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true) },
    "avg_pool2d_ceil_exclude": {
        try avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true, countIncludePad: false)
    },
    "avg_pool2d_divisor": { try avgPool2d($0[0], kernel: (2, 2), divisorOverride: 3) },
    "max_unpool2d": {
        let p = try maxPool2dWithIndices($0[0], kernel: (2, 2))
        return try maxUnpool2d(p.values, indices: p.indices, kernel: (2, 2)).sin()
    },
    "max_unpool2d_output_size": {
        let p = try maxPool2dWithIndices($0[0], kernel: (2, 2), stride: (2, 2))
        return try maxUnpool2d(p.values, indices: p.indices, kernel: (2, 2), outputSize: (5, 5)).sin()
    },
    "upsample_nearest": { try upsample($0[0], size: (6, 5), mode: .nearest) },
    "upsample_bilinear": { try upsample($0[0], size: (5, 7), mode: .bilinear) },
    "pixel_shuffle": { try pixelShuffle($0[0], upscaleFactor: 2).sin() },
    "batch_norm_train": { x in
        try batchNorm(x[0], runningMean: Tensor.zeros([3], dtype: x[0].dtype), runningVar: Tensor.ones([3], dtype: x[0].dtype),
                      weight: x[1], bias: x[2], training: true)
    },
    "layer_norm": { try layerNorm($0[0], normalizedShape: [3, 4], weight: $0[1], bias: $0[2]) },
    "pad_reflect": { try $0[0].pad([2, 1, 3, 0], mode: .reflect).sin() },
    "pad_replicate": { try $0[0].pad([3, 5], mode: .replicate).sin() },
    "pad_circular": { try $0[0].pad([2, 5, 1, 3, 0, 2], mode: .circular).sin() },
    "pad_constant_value": { try $0[0].pad([1, 2, 0, 3], value: -1.5).sin() },
    "group_norm": { try groupNorm($0[0], groups: 3, weight: $0[1], bias: $0[2]) },
    "instance_norm": { try instanceNorm($0[0]) },
    "reinforce": { x in
        try Reinforce.loss(logProbs: Reinforce.logProbabilities(logits: x[0], actions: x[1]), rewards: x[2], baseline: x[3])
    },
]
