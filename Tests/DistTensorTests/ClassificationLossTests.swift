import DistTensor
import Foundation
import Testing

/// The two classification losses against PyTorch (`Fixtures/losses`, made by `make_torch_losses.py`), their
/// gradients against finite differences, and the data-parallel normaliser against the whole batch.
struct ClassificationLossTests {
    struct Case: Decodable {
        let name: String
        let logits: [Double]
        let shape: [Int]
        let targets: [Double]
        let weight: [Double]?
        let loss: Double
        let gradient: [Double]
    }

    struct Reference: Decodable {
        let crossEntropy: [Case]
        let bceWithLogits: [Case]
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/losses/torch-losses.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        // The fixture is committed with the tests; a decoding failure is a broken checkout.
        return try! decoder.decode(Reference.self, from: Data(contentsOf: url))
    }()

    /// Loss within 1e-12 relative (both sum in Float64), every gradient element within 1e-6 of the gradient's
    /// largest magnitude (ours is rounded to Float32 once, a relative error of 6e-8).
    func expectMatches(_ name: String, loss: Double, gradient: Tensor, _ reference: Case,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(loss - reference.loss) <= 1e-12 * max(1, abs(reference.loss)),
                "\(name): loss \(loss) vs PyTorch \(reference.loss)", sourceLocation: sourceLocation)
        let scale = reference.gradient.map(abs).max() ?? 0
        #expect(scale > 0, sourceLocation: sourceLocation)
        let worst = zip(gradient.array, reference.gradient).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(gradient.count == reference.gradient.count && worst <= 1e-6 * scale,
                "\(name): gradient differs by \(worst) (scale \(scale))", sourceLocation: sourceLocation)
    }

    @Test func crossEntropyMatchesPyTorch() {
        #expect(Self.reference.crossEntropy.count == 4)
        for reference in Self.reference.crossEntropy {
            let logits = Tensor(shape: reference.shape, values: reference.logits.map(Float.init))
            let weight = reference.weight?.map(Float.init)
            let indices = reference.targets.map { Int($0) }
            let (loss, gradient, total) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: indices,
                                                                             classWeight: weight)
            expectMatches("cross-entropy \(reference.name)", loss: loss, gradient: gradient, reference)
            #expect(abs(total - indices.reduce(0.0) { $0 + (reference.weight?[$1] ?? 1) }) <= 1e-6)
            // The same through the task-level loss with one-hot targets.
            let classes = reference.shape[1]
            var oneHot = [Float](repeating: 0, count: indices.count * classes)
            for (n, c) in indices.enumerated() { oneHot[n * classes + c] = 1 }
            let viaTask = ClassificationLoss.softmaxCrossEntropy(classWeight: weight)
                .lossAndGradient(logits: logits, targets: Tensor(shape: reference.shape, values: oneHot))
            expectMatches("ClassificationLoss cross-entropy \(reference.name)", loss: viaTask.loss,
                          gradient: viaTask.gradient, reference)
        }
    }

    @Test func binaryCrossEntropyMatchesPyTorch() {
        #expect(Self.reference.bceWithLogits.count == 2)
        for reference in Self.reference.bceWithLogits {
            let logits = Tensor(shape: reference.shape, values: reference.logits.map(Float.init))
            let targets = Tensor(shape: reference.shape, values: reference.targets.map(Float.init))
            let weight = reference.weight?.map(Float.init)
            let (loss, gradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: weight)
            expectMatches("BCE \(reference.name)", loss: loss, gradient: gradient, reference)
            let viaTask = ClassificationLoss.binaryCrossEntropy(positiveWeight: weight)
                .lossAndGradient(logits: logits, targets: targets)
            expectMatches("ClassificationLoss BCE \(reference.name)", loss: viaTask.loss, gradient: viaTask.gradient, reference)
        }
    }

    @Test(arguments: [false, true])
    func crossEntropyFiniteDifferences(weighted: Bool) {
        let logits = randomTensor([4, 3], seed: 21)
        for i in 0..<logits.count { logits.base[i] *= 2 }
        let indices = [2, 0, 1, 2]
        let weight: [Float]? = weighted ? [0.3, 2, 1.2] : nil
        let (_, gradient, _) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: indices, classWeight: weight)
        let fd = FiniteDifference(outputCount: 1)
        let analytic = gradient.array.map { $0 * fd.upstream[0] }
        fd.check("cross-entropy dlogits", values: logits.base, count: logits.count, analytic: analytic, step: 1e-2) {
            [Float(SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: indices, classWeight: weight).loss)]
        }
    }

    /// Two halves of a batch, each divided by the whole batch's weight, add up to the whole batch's weighted mean
    /// and gradient: what a data-parallel step relies on.
    @Test(arguments: [ClassificationLoss.softmaxCrossEntropy(classWeight: [0.5, 3, 1.25]),
                      .binaryCrossEntropy(positiveWeight: [2, 0.5, 1])])
    func halvesWithTheGlobalNormalizerAddUp(loss: ClassificationLoss) {
        let logits = randomTensor([6, 3], seed: 5)
        let targets = Tensor(shape: [6, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0])
        let whole = loss.lossAndGradient(logits: logits, targets: targets)
        let total = (0..<6).reduce(0.0) { sum, n in
            sum + loss.sampleWeight(target: UnsafeBufferPointer(start: targets.base + 3 * n, count: 3))
        }
        var summed = 0.0
        var gradient: [Float] = []
        for half in [0..<2, 2..<6] {
            let part = loss.lossAndGradient(logits: Tensor(shape: [half.count, 3], values: Array(logits.array[3 * half.lowerBound ..< 3 * half.upperBound])),
                                            targets: Tensor(shape: [half.count, 3], values: Array(targets.array[3 * half.lowerBound ..< 3 * half.upperBound])),
                                            normalizer: total)
            summed += part.loss
            gradient += part.gradient.array
        }
        #expect(abs(summed - whole.loss) <= 1e-12 * whole.loss, "\(summed) vs \(whole.loss)")
        let worst = zip(gradient, whole.gradient.array).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-7, "gradients differ by \(worst)")
    }
}
