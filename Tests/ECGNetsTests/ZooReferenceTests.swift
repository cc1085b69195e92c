import DistTensor
import ECGNets
import Foundation
import Testing

/// The convolutional zoo against PyTorch at tiny widths (Fixtures/zoo-tiny, made by its make_zoo_traces.py): for
/// cnn1d (the published network itself), cnn1d-twin, se-resnet34 and the 3-stage resnet, the logits, loss, every
/// gradient and the BatchNorm running statistics of a training forward and backward, and the state, losses and eval
/// logits after three Adam steps, each judged by `PyTorchReference.expectMatch`: the ResNet trace's rule (1e-4 of
/// the exact Float64 value, near zero against the tensor's scale, floored by the worst of PyTorch's own Float32
/// variants; and the Float32 trace to that plus its own error).
@Suite struct ZooReferenceTests {
    static let networks = ["cnn1d", "cnn1d-twin", "se-resnet34", "resnet"]
    static let references = Dictionary(uniqueKeysWithValues: networks.compactMap { name in
        PyTorchReference.load("zoo-tiny/\(name)").map { (name, $0) }
    })

    /// Our configuration of the trace's network (PyTorch's config keys as make_zoo_traces.py writes them).
    static func configuration(_ reference: PyTorchReference) throws -> ModelConfiguration {
        let config = try #require(reference.float32.object(["config"]) as? [String: Any])
        let (leads, classes, widths) = (config["leads"] as? Int ?? 0, config["classes"] as? Int ?? 0, config["widths"] as? [Int] ?? [])
        if let branches = config["branches"] as? Int {
            return .cnn1D(CNN1DConfiguration(leads: leads, classes: classes, widths: widths, kernel: config["kernel"] as? Int ?? 0,
                                             branches: branches))
        }
        let stem = try #require(config["stem"] as? [String: Any])
        return .resnet1D(ResNet1DConfiguration(depth: .init(blocksPerStage: config["layers"] as? [Int] ?? []), widths: widths,
                                               leads: leads, classes: classes, stemKernel: stem["kernel"] as? Int ?? 0,
                                               stemStride: stem["stride"] as? Int ?? 0, blockKernel: config["block_kernel"] as? Int ?? 0,
                                               dropout: 0, squeezeExcitation: config["se"] as? Int))
    }

    /// The loss the network's task trains with and its gradient: softmax cross-entropy on class indices for the
    /// single-label networks, BCE-with-logits for the multi-label ones.
    static func loss(_ logits: Tensor, _ reference: PyTorchReference) -> (Double, Tensor) {
        if reference.float32.object(["loss_kind"]) as? String == "single" {
            let (loss, gradient, _) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: reference.targets.array.map { Int($0) })
            return (loss, gradient)
        }
        let (loss, gradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: reference.targets)
        return (Double(loss), gradient)
    }

    static func model(_ name: String) throws -> (PyTorchReference, any ECGModel) {
        let reference = try #require(references[name], "Fixtures/zoo-tiny/\(name) is missing or unreadable")
        let model = try configuration(reference).makeModel(seed: 0)
        try reference.loadInitialState(into: model)
        return (reference, model)
    }

    @Test(arguments: networks) func layoutMatchesTheStateDict(_ name: String) throws {
        let (reference, model) = try Self.model(name)
        #expect(model.parameters.layout.entries.map { "\($0.name) \($0.shape)" }
                == reference.float32.named(["initial_state"]).map { "\($0.name) \($0.shape)" })
    }

    /// The published count: cnn1d for one lead and 5 classes has 14,165 parameters (14.2 K), PyTorch's count of the
    /// traced network; the twin has one more branch and a classifier of 128 inputs.
    @Test func cnn1dHasThePublishedParameterCount() throws {
        let (_, model) = try Self.model("cnn1d")
        #expect(model.parameters.parameterCount == 14_165)
        #expect(ModelConfiguration.named["cnn1d"]!.sized(leads: 1, classes: 5).makeModel(seed: 1).parameters.parameterCount == 14_165)
        #expect(ModelConfiguration.named["cnn1d-twin"]!.sized(leads: 1, classes: 5).makeModel(seed: 1).parameters.parameterCount
                == 2 * (14_165 - 325) + 128 * 5 + 5)
    }

    /// The memory estimate made before allocating counts exactly the parameters and buffers of every named network.
    @Test(arguments: ModelConfiguration.named.keys.sorted()) func memoryEstimateCountsTheNetwork(_ name: String) throws {
        let configuration = try #require(ModelConfiguration.named[name]).sized(leads: 12, classes: 27)
        let store = configuration.makeModel(seed: 0).parameters
        let estimate = MemoryEstimate(model: configuration, samples: 1, length: 1000, optimizerBlocks: 2, training: true)
        #expect(estimate.parameterCount == Double(store.parameterCount + store.layout.bufferCount), "\(name)")
    }

    @Test(arguments: networks) func forwardLossGradientsAndRunningStatistics(_ name: String) throws {
        let (reference, model) = try Self.model(name)
        let logits = model.forward(reference.input, training: true, dropoutKey: 0)
        reference.expectMatch(logits.array, ["logits"], "\(name) logits")
        let (loss, dLogits) = Self.loss(logits, reference)
        reference.expectMatch([Float(loss)], ["loss"], "\(name) loss")
        model.parameters.zeroGradients()
        var ready: [Int] = []
        model.backward(dLogits) { ready.append($0) }
        #expect(ready.last == 0 && ready == ready.sorted(by: >), "gradientsReady offsets \(ready)")
        let gradients = reference.float32.named(["gradients"])
        #expect(gradients.count == model.parameters.layout.entries.filter { $0.kind == .parameter }.count)
        for (parameter, _) in gradients {
            let entry = try #require(model.parameters.entry(named: parameter) as ParameterEntry?)
            reference.expectMatch(Array(model.parameters.gradientStorage(of: entry)), ["gradients", parameter], "\(name) gradient of \(parameter)")
        }
        for (buffer, _) in reference.float32.named(["state_after_forward"]) {
            let entry = try #require(model.parameters.entry(named: buffer) as ParameterEntry?)
            reference.expectMatch(Array(model.parameters.storage(of: entry)), ["state_after_forward", buffer], "\(name) \(buffer)")
        }
    }

    @Test(arguments: networks) func threeAdamSteps(_ name: String) throws {
        let (reference, model) = try Self.model(name)
        let hyper = try #require(reference.float32.object(["adam_hyper"]) as? [String: Any])
        let settings = OptimizerSettings(learningRate: Float(try #require(hyper["lr"] as? Double)),
                                         weightDecay: Float(try #require(hyper["weight_decay"] as? Double)))
        let optimizer = Adam(parameterCount: model.parameters.parameterCount, settings: settings)
        var losses: [Float] = []
        for _ in 0..<3 {
            let (loss, dLogits) = Self.loss(model.forward(reference.input, training: true, dropoutKey: 0), reference)
            losses.append(Float(loss))
            model.parameters.zeroGradients()
            model.backward(dLogits) { _ in }
            optimizer.step(model.parameters)
        }
        reference.expectMatch(losses, ["adam", "losses_before_each_step"], "\(name) losses")
        for (tensor, _) in reference.float32.named(["adam", "state_after_3_steps"]) {
            let entry = try #require(model.parameters.entry(named: tensor) as ParameterEntry?)
            let gradient = entry.kind == .parameter ? reference.float32.values(["gradients", tensor]) : nil
            let initial = reference.float32.values(["initial_state", tensor]) ?? []
            // As in PyTorchReferenceTests: where g + λ·p is below 1e-7, Adam's normalised step may take either sign.
            reference.expectMatch(Array(model.parameters.storage(of: entry)), ["adam", "state_after_3_steps", tensor],
                                  "\(name) adam \(tensor)") { index in
                guard let gradient, abs(gradient[index] + Double(settings.weightDecay) * initial[index]) < 1e-7 else { return nil }
                return 2 * Double(settings.learningRate) * 3
            }
        }
        reference.expectMatch(model.forward(reference.input, training: false, dropoutKey: 0).array,
                              ["adam", "eval_logits_after_3_steps"], "\(name) eval logits")
    }
}
