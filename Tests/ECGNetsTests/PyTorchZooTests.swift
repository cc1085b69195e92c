import DistTensor
import ECGNets
import Foundation
import Testing

/// The recurrent and attention half of the model zoo against PyTorch (Fixtures/zoo-tiny, made by its
/// `make_zoo_trace.py`): `gru-mha`, `lstm-mha` and `cnn-mhsa` (GELU and LeakyReLU) at tiny widths (logits, cross-entropy loss, every gradient, the
/// state after 3 Adam steps, eval logits), and the GRU, LSTM (2 layers each) and multi-head attention layers alone
/// (output, every parameter gradient, input gradient).
///
/// The tolerance is the ResNet trace's (`PyTorchReference.expectMatch`): within `max(1e-4·|x|, 1e-6, 1e-4·max|x|,
/// e32)` of PyTorch's Float64 trace, `e32` being PyTorch's own Float32 error on that tensor (one Float32 run here:
/// these fixtures have no spread file), and within that plus PyTorch's Float32 error of its Float32 trace. Dropout is
/// 0 in every trace, so the masks (ours are counter-based, PyTorch's from its generator) do not enter.
@Suite struct PyTorchZooTests {
    /// A zoo fixture: the reference for `expectMatch` and the parsed file.
    static func load(_ name: String) throws -> (reference: PyTorchReference, root: [String: Any]) {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/zoo-tiny/\(name).json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var shared = root
        shared["float32"] = nil
        shared["float64"] = nil
        func trace(_ key: String) throws -> PyTorchReference.Trace {
            let own = try #require(root[key] as? [String: Any])
            return PyTorchReference.Trace(root: own.merging(shared) { mine, _ in mine })
        }
        let float32 = try trace("float32")
        func tensor(_ key: String) throws -> Tensor {
            let entry = try #require(root[key] as? [String: Any])
            let data = try #require(entry["data"] as? [Double])
            return Tensor(shape: try #require(entry["shape"] as? [Int]), values: data.map(Float.init))
        }
        return (PyTorchReference(float32: float32, float64: try trace("float64"), float32Spread: nil,
                                 input: try tensor("input"), targets: try tensor("targets")), root)
    }

    /// PyTorch's initial state into `store`, after checking that the names, order and shapes are the state_dict's.
    static func loadInitialState(_ root: [String: Any], into store: ParameterStore) throws {
        let order = try #require(root["state_dict_order"] as? [String])
        let initial = try #require(root["initial_state"] as? [String: [String: Any]])
        #expect(store.layout.entries.map(\.name) == order)
        for name in order {
            let entry = try #require(store.entry(named: name))
            let values = try #require(initial[name]?["data"] as? [Double])
            #expect(entry.shape == initial[name]?["shape"] as? [Int], "\(name)")
            let storage = store.storage(of: entry)
            try #require(storage.count == values.count, "\(name)")
            for i in 0..<values.count { storage[i] = Float(values[i]) }
        }
    }

    static func expectGradients(_ reference: PyTorchReference, _ store: ParameterStore, count: Int) throws {
        let names = try #require(reference.float32.object(["gradients"]) as? [String: Any]).keys.sorted()
        #expect(names.count == count)
        for name in names {
            let entry = try #require(store.entry(named: name))
            reference.expectMatch(Array(store.gradientStorage(of: entry)), ["gradients", name], "gradient of \(name)")
        }
    }

    @Test(arguments: [Recurrent.Cell.gru, .lstm])
    func recurrentAttentionNetworkMatchesPyTorch(_ cell: Recurrent.Cell) throws {
        let (reference, root) = try Self.load("\(cell.rawValue)-mha")
        let config = try #require(root["config"] as? [String: Any])
        func int(_ key: String) throws -> Int { try #require(config[key] as? Int) }
        let configuration = RecurrentAttentionConfiguration(
            leads: try int("leads"), classes: try int("classes"), frame: try int("frame"), hidden: try int("hidden"),
            layers: try int("layers"), heads: try int("heads"), dropout: 0, attentionDropout: 0)
        try Self.expectNetwork(RecurrentAttentionNet(configuration, cell: cell, seed: 0), reference, root)
    }

    /// cnn-mhsa with GELU and with LeakyReLU dense layers (its trace also has the BatchNorm running statistics after
    /// the first training forward).
    @Test(arguments: ["gelu", "leaky-relu"])
    func convolutionalAttentionNetworkMatchesPyTorch(_ activation: String) throws {
        let (reference, root) = try Self.load("cnn-mhsa-\(activation)")
        let config = try #require(root["config"] as? [String: Any])
        let configuration = CNNSelfAttentionConfiguration(
            leads: try #require(config["leads"] as? Int), classes: try #require(config["classes"] as? Int),
            widths: try #require(config["widths"] as? [Int]), heads: try #require(config["heads"] as? Int), attentionDropout: 0,
            dense: try #require(config["dense"] as? [Int]),
            activation: try #require(CNNSelfAttentionConfiguration.Activation(rawValue: activation)), dropout: 0)
        try Self.expectNetwork(CNNSelfAttentionNet(configuration, seed: 0), reference, root)
    }

    /// A network's trace: logits, loss, every gradient (and running statistics where the trace has them) of the first
    /// training forward and backward, then the losses, state and eval logits of 3 Adam steps.
    static func expectNetwork(_ model: any ECGModel, _ reference: PyTorchReference, _ root: [String: Any]) throws {
        try Self.loadInitialState(root, into: model.parameters)
        let targets = reference.targets.array.map { Int($0) }
        let logits = model.forward(reference.input, training: true, dropoutKey: 7)
        reference.expectMatch(logits.array, ["logits"], "logits")
        let (loss, dLogits, _) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: targets)
        reference.expectMatch([Float(loss)], ["loss"], "loss")
        model.parameters.zeroGradients()
        var ready: [Int] = []
        model.backward(dLogits) { ready.append($0) }
        #expect(ready.last == 0 && ready == ready.sorted(by: >), "gradientsReady offsets \(ready)")
        let parameters = model.parameters.layout.entries.filter { $0.kind == .parameter }
        try Self.expectGradients(reference, model.parameters, count: parameters.count)
        let buffers = model.parameters.layout.entries.filter { $0.kind == .buffer }
        #expect(buffers.count == (reference.float32.object(["state_after_forward"]) as? [String: Any])?.count ?? 0)
        for entry in buffers {
            reference.expectMatch(Array(model.parameters.storage(of: entry)), ["state_after_forward", entry.name], entry.name)
        }

        try Self.loadInitialState(root, into: model.parameters)
        let hyper = (learningRate: Float(1e-3), weightDecay: Float(1e-5))  // make_zoo_trace.py's ADAM
        let adam = Adam(parameterCount: model.parameters.parameterCount,
                        settings: OptimizerSettings(learningRate: hyper.learningRate, weightDecay: hyper.weightDecay))
        var losses: [Float] = []
        for step in 0..<3 {
            let logits = model.forward(reference.input, training: true, dropoutKey: UInt64(step))
            let (loss, dLogits, _) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: targets)
            losses.append(Float(loss))
            model.parameters.zeroGradients()
            model.backward(dLogits) { _ in }
            adam.step(model.parameters)
        }
        reference.expectMatch(losses, ["adam", "losses_before_each_step"], "Adam losses")
        // As the ResNet trace (DESIGN.md §7): where a gradient is below 1e-7, Adam's normalised first step may take
        // either sign in Float32, so such a parameter may end up to 2·lr per step away.
        for entry in model.parameters.layout.entries {
            let gradient = reference.float32.values(["gradients", entry.name]) ?? []
            let initial = reference.float32.values(["initial_state", entry.name]) ?? []
            reference.expectMatch(Array(model.parameters.storage(of: entry)), ["adam", "state_after_3_steps", entry.name],
                                  "Adam \(entry.name)") { index in
                entry.kind == .parameter && abs(gradient[index] + 1e-5 * initial[index]) < 1e-7 ? 2 * Double(hyper.learningRate) * 3 : nil
            }
        }
        let evalLogits = model.forward(reference.input, training: false)
        reference.expectMatch(evalLogits.array, ["adam", "eval_logits_after_3_steps"], "Adam eval logits")
    }

    /// `Σ output · r` for the fixture's `r` (its "targets"): the upstream gradient is `r` itself.
    static func expectLayer(_ name: String, make: (inout ParameterLayout) -> (forward: (Tensor, ParameterStore) -> Tensor,
                                                                           backward: (Tensor, ParameterStore) -> Tensor)) throws {
        let (reference, root) = try Self.load(name)
        var layout = ParameterLayout()
        let layer = make(&layout)
        let store = ParameterStore(layout: layout, seed: 0)
        try Self.loadInitialState(root, into: store)
        let y = layer.forward(reference.input, store)
        reference.expectMatch(y.array, ["logits"], "\(name) output")
        store.zeroGradients()
        let dx = layer.backward(Tensor(shape: y.shape, values: reference.targets.array), store)
        reference.expectMatch(dx.array, ["input_gradient"], "\(name) input gradient")
        try Self.expectGradients(reference, store, count: layout.entries.filter { $0.kind == .parameter }.count)
    }

    @Test(arguments: [Recurrent.Cell.gru, .lstm])
    func recurrentLayerMatchesPyTorch(_ cell: Recurrent.Cell) throws {
        try Self.expectLayer("\(cell.rawValue)-layer") { layout in
            let layer = Recurrent(name: cell.rawValue, cell: cell, inputSize: 3, hiddenSize: 5, layers: 2, dropout: 0,
                                  layout: &layout)
            return ({ layer.forward($0, $1, training: true) }, { layer.backward($0, $1) })
        }
    }

    /// stft-cnn-gru (no BatchNorm) and stft-cnn-lstm (BatchNorm2d after each convolution) at tiny sizes: n_fft 16,
    /// hop 8, widths 3, 4, hidden 5, on 100 samples (13 frames, 3 after the pools).
    @Test(arguments: [Recurrent.Cell.gru, .lstm])
    func spectrogramRecurrentNetworkMatchesPyTorch(_ cell: Recurrent.Cell) throws {
        let (reference, root) = try Self.load("stft-cnn-\(cell.rawValue)")
        let config = try #require(root["config"] as? [String: Any])
        func int(_ key: String) throws -> Int { try #require(config[key] as? Int) }
        let configuration = SpectrogramRecurrentConfiguration(
            leads: try int("leads"), classes: try int("classes"), nFFT: try int("nFFT"), hop: try int("hop"),
            logarithmic: try #require(config["logarithmic"] as? Bool), widths: try #require(config["widths"] as? [Int]),
            batchNorm: try #require(config["batchNorm"] as? Bool), hidden: try int("hidden"), layers: try int("layers"), dropout: 0)
        try Self.expectNetwork(SpectrogramRecurrentNet(configuration, cell: cell, seed: 0), reference, root)
    }

    /// The spectrogram networks' layers alone, on channels-last tensors: Conv2d, BatchNorm2d (BatchNorm1D on the
    /// `[N, H·W, C]` view), MaxPool2d, and the |STFT| front end with and without log1p.
    @Test func spectrogramLayersMatchPyTorch() throws {
        try Self.expectLayer("conv2d-layer") { layout in
            let layer = Conv2D(name: "conv", inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, layout: &layout)
            return ({ layer.forward($0, $1) }, { layer.backward($0, $1) })
        }
        try Self.expectLayer("batchnorm2d-layer") { layout in
            let layer = BatchNorm1D(name: "norm", channels: 3, layout: &layout)
            func flat(_ x: Tensor) -> Tensor { Tensor(shape: [x.shape[0], x.shape[1] * x.shape[2], x.shape[3]], storage: x.storage) }
            return ({ Tensor(shape: $0.shape, storage: layer.forward(flat($0), $1, training: true).storage) },
                    { Tensor(shape: $0.shape, storage: layer.backward(flat($0), $1).storage) })
        }
        try Self.expectLayer("maxpool2d-layer") { _ in
            let layer = MaxPool2D(kernelSize: 2)
            return ({ x, _ in layer.forward(x) }, { dy, _ in layer.backward(dy) })
        }
        for (name, hop, logarithmic) in [("spectrogram", 8, true), ("spectrogram-linear", 6, false)] {
            try Self.expectLayer("\(name)-layer") { _ in
                let layer = Spectrogram(nFFT: 16, hop: hop, logarithmic: logarithmic)
                return ({ x, _ in layer.forward(x) }, { dy, _ in layer.backward(dy) })
            }
        }
    }

    @Test func attentionLayerMatchesPyTorch() throws {
        try Self.expectLayer("mha-layer") { layout in
            let layer = MultiheadAttention(name: "attention", embedding: 6, heads: 2, dropout: 0, layout: &layout)
            return ({ layer.forward($0, $1, training: true) }, { layer.backward($0, $1) })
        }
    }
}
