import DistTensor
import ECGNets
import Foundation
import Testing

@Suite struct TrainingTests {
    /// A ResNet18 (narrow, short input) trained 400 steps on the synthetic tone task must get far below the
    /// label prior: at 15% prevalence a model that learns only the prior has a loss of H(0.15) = 0.423, and a
    /// fresh network starts near 0.7. Measured: about 0.14 after 400 steps.
    @Test func resnet18LearnsTheSyntheticTask() throws {
        let configuration = ResNet1DConfiguration(depth: .resnet18, widths: [16, 32, 64, 128], dropout: 0)
        let model = ResNet1D(configuration, seed: 3)
        let source = SyntheticRhythmTask(count: 12_800, length: 256, seed: 3)
        let trainer = DataParallelTrainer(
            model: model,
            optimizer: Adam(parameterCount: model.parameters.parameterCount, settings: OptimizerSettings(learningRate: 3e-3, weightDecay: 1e-5)),
            source: source, sampler: try EpochSampler(recordCount: source.count, worldSize: 1, globalBatchSize: 32, seed: 3),
            group: SingleProcessGroup(), seed: 3)
        let losses = try (0..<400).map { _ in try trainer.step().loss }
        let start = losses[0]
        let end = losses.suffix(20).reduce(0, +) / 20
        let prior = -(0.15 * log(0.15) + 0.85 * log(0.85))
        #expect(start > 0.6, "a fresh network starts near ln 2, got \(start)")
        #expect(end < 0.3 * start, "final loss \(end) should be well below the first step's \(start)")
        #expect(end < 0.6 * prior, "final loss \(end) should be well below the prior's \(prior)")

        // On samples it never saw, the thresholded outputs must beat the all-negative answer, which is right
        // on 85% of labels at this prevalence: at least a third of its errors must be gone (measured: 0.93).
        let (signals, targets) = source.batch(1_000_000..<1_000_064)
        let logits = model.forward(signals, training: false)
        let correct = (0..<logits.count).filter { (logits.base[$0] > 0) == (targets.base[$0] > 0.5) }.count
        #expect(Double(correct) / Double(logits.count) > 0.90, "held-out label accuracy \(Double(correct) / Double(logits.count))")
    }

    /// Same seed, same steps: bit-identical parameters (initialisation, data order and dropout are all keyed).
    @Test func trainingIsDeterministic() throws {
        func train() throws -> [Float] {
            let configuration = ResNet1DConfiguration(depth: .init(blocksPerStage: [1, 1]), widths: [8, 16], dropout: 0.2)
            let model = ResNet1D(configuration, seed: 5)
            let source = SyntheticRhythmTask(count: 40, length: 128, seed: 5)
            let trainer = DataParallelTrainer(
                model: model,
                optimizer: Adam(parameterCount: model.parameters.parameterCount, settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 0)),
                source: source, sampler: try EpochSampler(recordCount: 40, worldSize: 1, globalBatchSize: 8, seed: 5),
                group: SingleProcessGroup(), seed: 5)
            for _ in 0..<7 { _ = try trainer.step() }
            return Array(model.parameters.values) + Array(model.parameters.buffers)
        }
        #expect(try train() == train())
    }

    /// Finite differences through the whole network in training mode (batch statistics, residual adds,
    /// downsampling shortcuts): `max|fd − analytic| ≤ 2e-2·max|analytic|` over a sample of every tensor, step
    /// 3e-4. The step is small because a larger one straddles ReLU and max-pool kinks somewhere in the network:
    /// with 1e-2 and 1e-3 the quotients were off by up to 15% and converged to the analytic value as the step
    /// shrank. The loss is summed in Float64 from Float32 logits whose rounding (about 1e-7 relative) the step
    /// turns into about 1e-5 absolute; a wrong connection is off by O(1) of the gradient's scale.
    @Test func wholeNetworkGradient() {
        let configuration = ResNet1DConfiguration(depth: .init(blocksPerStage: [1, 2]), widths: [4, 6], leads: 3, classes: 5,
                                                  stemKernel: 5, dropout: 0)
        let model = ResNet1D(configuration, seed: 11)
        var random = RandomStream(seed: 12)
        let x = Tensor(shape: [3, 3, 40], values: (0..<360).map { _ in Float(random.nextNormal()) })
        let y = Tensor(shape: [3, 5], values: (0..<15).map { _ in random.nextUniform() < 0.4 ? 1 : 0 })
        func loss() -> Double {
            BCEWithLogits.lossAndGradient(logits: model.forward(x, training: true), targets: y).loss
        }
        let (_, gradient) = BCEWithLogits.lossAndGradient(logits: model.forward(x, training: true), targets: y)
        model.parameters.zeroGradients()
        var readyOffsets: [Int] = []
        model.backward(gradient) { readyOffsets.append($0) }
        // Backward reports ever earlier offsets, ending with the whole block.
        #expect(readyOffsets == readyOffsets.sorted(by: >) && readyOffsets.last == 0)
        let analytic = Array(model.parameters.gradients)
        for entry in model.parameters.layout.entries where entry.kind == .parameter {
            let values = model.parameters.storage(of: entry)
            var worst = 0.0, scale = 0.0
            for i in stride(from: 0, to: entry.count, by: max(1, entry.count / 12)) {
                let saved = values[i]
                values[i] = saved + 3e-4
                let plus = loss()
                values[i] = saved - 3e-4
                let minus = loss()
                values[i] = saved
                let exact = Double(analytic[entry.offset + i])
                worst = max(worst, abs((plus - minus) / 6e-4 - exact))
                scale = max(scale, abs(exact))
            }
            #expect(worst <= 2e-2 * scale + 1e-5, "\(entry.name): finite differences differ by \(worst) at scale \(scale)")
        }
    }
}
