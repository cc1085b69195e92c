import DistTensor
import Foundation

/// An open checkpoint file: its metadata and optimizer description are read on opening (cheap, attributes only);
/// `restore` then reads the tensors into a model and optimizer and verifies them against the stored digest.
public final class CheckpointReader {
    public let url: URL
    /// The format version the file was written in (older ones are read as the current one).
    public let formatVersion: Int
    public let metadata: CheckpointMetadata
    public let optimizerState: OptimizerCheckpointState
    /// The parameter digest recorded when the file was written.
    public let storedDigest: ParameterDigest
    private let file: NetCDFFile

    /// Opens `url` and reads its attributes; a truncated, damaged or foreign file throws a `CheckpointError` naming it.
    public init(url: URL) throws(CheckpointError) {
        self.url = url
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(path: url.path) }
        let opened: NetCDFFile
        do {
            opened = try NetCDFFile.open(at: url)
        } catch {
            throw .unreadable(path: url.path, detail: error.description)
        }
        file = opened
        let attributes = opened.root.attributes
        let path = url.path
        func read<T>(_ body: () throws(NetCDFError) -> T) throws(CheckpointError) -> T {
            do {
                return try body()
            } catch let .notFound(_, _, name, _, _) {
                throw .notACheckpoint(path: path, reason: "it has no '\(name)'")
            } catch {
                throw .unreadable(path: path, detail: error.description)
            }
        }
        guard (try? attributes.text(named: "format")) == CheckpointAttributeNames.formatName else {
            throw .notACheckpoint(path: path, reason: "its 'format' attribute is not '\(CheckpointAttributeNames.formatName)'")
        }
        let version = Int(try read { () throws(NetCDFError) in try attributes.integer(named: "format_version") })
        guard CheckpointMetadata.readableVersions.contains(version) else {
            throw .unsupportedVersion(path: path, found: version, supported: CheckpointMetadata.formatVersion)
        }
        formatVersion = version
        let configurationJSON = try read { () throws(NetCDFError) in try attributes.text(named: "model_configuration") }
        let configuration = try Self.modelConfiguration(configurationJSON, formatVersion: version, path: path)
        func integer(_ name: String) throws(CheckpointError) -> Int {
            Int(try read { () throws(NetCDFError) in try attributes.integer(named: name) })
        }
        func text(_ name: String) throws(CheckpointError) -> String {
            try read { () throws(NetCDFError) in try attributes.text(named: name) }
        }
        let classCodes: [String] = try read { () throws(NetCDFError) in
            guard case let .strings(codes) = try attributes.value(named: "class_codes") else { return [] }
            return codes
        }
        guard let seed = UInt64(try text("seed")) else {
            throw .notACheckpoint(path: path, reason: "its 'seed' attribute is not an unsigned integer")
        }
        guard let digest = ParameterDigest(parsing: try text("parameter_digest")) else {
            throw .notACheckpoint(path: path, reason: "its 'parameter_digest' attribute is not an fnv1a64 digest")
        }
        storedDigest = digest
        let metric = try read { () throws(NetCDFError) in try attributes.double(named: "validation_challenge_metric") }
        let thresholds: [Double] = try read { () throws(NetCDFError) in try opened.root.variable(named: "thresholds").read() }
        let normalizationName = try text("normalization")
        guard let normalization = SignalNormalization(rawValue: normalizationName) else {
            throw .notACheckpoint(path: path, reason: "its 'normalization' '\(normalizationName)' is not one of "
                + SignalNormalization.allCases.map(\.rawValue).joined(separator: ", "))
        }
        metadata = CheckpointMetadata(
            configuration: configuration, classCodes: classCodes, epoch: try integer("epoch"),
            globalStep: try integer("global_step"), stepInEpoch: try integer("step_in_epoch"),
            worldSize: try integer("world_size"), seed: seed, globalBatchSize: try integer("global_batch_size"),
            stepsPerEpoch: try integer("steps_per_epoch"), thresholds: thresholds,
            windowLength: try integer("window_length"),
            samplingFrequency: try read { () throws(NetCDFError) in try attributes.double(named: "sampling_frequency") },
            normalization: normalization, datasetPreparation: try text("dataset_preparation"),
            validationMetric: metric.isNaN ? nil : metric, softwareVersion: try text("software_version"),
            created: CheckpointAttributeNames.date(try text("created")) ?? Date(timeIntervalSince1970: 0),
            runConfigurationJSON: try text("run_configuration"), metricHistoryJSON: try text("metric_history"),
            trainingStateJSON: try text("training_state"), task: try Self.task(attributes, path: path),
            classWeights: Self.classWeights(attributes),
            selectionMetric: try? attributes.text(named: "selection_metric"),
            trainingPrecision: (try? attributes.text(named: "precision")).flatMap(ComputePrecision.init(rawValue:)),
            syntheticMix: try Self.syntheticMix(attributes, path: path))
        try Self.requireSaneSizes(metadata, path: path)
        guard let optimizerState = try read({ () throws(NetCDFError) in try Self.readOptimizerState(opened.root) }) else {
            throw .notACheckpoint(path: path, reason: "its optimizer kind is not one of "
                + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.optimizerState = optimizerState
    }

    deinit {
        try? file.close()
    }

    /// The stored class weights; nil when there are none (`"none"`, or a checkpoint from before tasks).
    private static func classWeights(_ attributes: NetCDFAttributes) -> [Double]? {
        guard case let .doubles(values)? = try? attributes.value(named: "class_weights") else { return nil }
        return values
    }

    /// The stored task, nil for a checkpoint written before tasks (it has no `task` attribute).
    private static func task(_ attributes: NetCDFAttributes, path: String) throws(CheckpointError) -> ECGTask? {
        guard let json = try? attributes.text(named: "task") else { return nil }
        do {
            return try JSONDecoder().decode(ECGTask.self, from: Data(json.utf8))
        } catch {
            throw .notACheckpoint(path: path, reason: "its 'task' attribute is not a task (\(error))")
        }
    }

    /// The synthetic augmentation the run trained with; nil when it had none (no `synthetic_fraction` attribute).
    private static func syntheticMix(_ attributes: NetCDFAttributes, path: String) throws(CheckpointError) -> SyntheticMix? {
        guard let fraction = try? attributes.double(named: "synthetic_fraction") else { return nil }
        guard case let .strings(codes)? = try? attributes.value(named: "synthetic_classes"),
              let weight = try? attributes.double(named: "synthetic_class_weight"),
              let revision = try? attributes.integer(named: "synthetic_simulator_revision") else {
            throw .notACheckpoint(path: path, reason: "it has a 'synthetic_fraction' attribute without 'synthetic_classes', "
                + "'synthetic_class_weight' and 'synthetic_simulator_revision'")
        }
        return SyntheticMix(fraction: fraction, classCodes: codes, classWeight: weight, simulatorRevision: Int(revision))
    }

    /// Refuses sizes no run writes (a damaged or hand-edited file) before anything is allocated from them: a window
    /// of at most an hour at 1 kHz, positive counts, one threshold per class, a network that fits this machine.
    private static func requireSaneSizes(_ metadata: CheckpointMetadata, path: String) throws(CheckpointError) {
        func require(_ condition: Bool, _ name: String, _ value: Any, _ bounds: String) throws(CheckpointError) {
            guard condition else {
                throw .notACheckpoint(path: path, reason: "its '\(name)' attribute \(value) is not \(bounds)")
            }
        }
        try require((1...maximumWindowLength).contains(metadata.windowLength), "window_length", metadata.windowLength,
                    "between 1 and \(maximumWindowLength) samples")
        try require(metadata.samplingFrequency > 0 && metadata.samplingFrequency <= 100_000, "sampling_frequency",
                    metadata.samplingFrequency, "in (0, 100000] Hz")
        try require(metadata.epoch >= 0 && metadata.globalStep >= 0 && metadata.stepInEpoch >= 0, "epoch/global_step/step_in_epoch",
                    "\(metadata.epoch)/\(metadata.globalStep)/\(metadata.stepInEpoch)", "non-negative")
        try require(metadata.worldSize >= 1 && metadata.globalBatchSize >= 1 && metadata.stepsPerEpoch >= 1,
                    "world_size/global_batch_size/steps_per_epoch",
                    "\(metadata.worldSize)/\(metadata.globalBatchSize)/\(metadata.stepsPerEpoch)", "at least 1")
        try require(metadata.thresholds.count == metadata.classCodes.count, "thresholds", "of \(metadata.thresholds.count) values",
                    "one per class (\(metadata.classCodes.count))")
        let network = MemoryEstimate(model: metadata.configuration, samples: 0, length: 1, optimizerBlocks: 0, training: false)
        try require(network.modelBytes <= Double(ProcessInfo.processInfo.physicalMemory), "model_configuration",
                    metadata.configuration.summary, "a network that fits this machine's memory ("
                        + String(format: "%.3g", network.parameterCount) + " parameters and buffers)")
    }

    /// The longest window a checkpoint may describe: an hour at 1 kHz.
    public static let maximumWindowLength = 3_600_000

    /// The model configuration of a checkpoint of `formatVersion`: version 1 stored a bare ResNet1D configuration.
    private static func modelConfiguration(_ json: String, formatVersion: Int, path: String) throws(CheckpointError)
        -> ModelConfiguration {
        do {
            if formatVersion == 1 {
                return .resnet1D(try JSONDecoder().decode(ResNet1DConfiguration.self, from: Data(json.utf8)))
            }
            return try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
        } catch {
            throw .notACheckpoint(path: path, reason: "its 'model_configuration' is not a model configuration this "
                                  + "dist-train knows (\(error))")
        }
    }

    private static func readOptimizerState(_ root: NetCDFGroup) throws(NetCDFError) -> OptimizerCheckpointState? {
        let attributes = try root.group(named: "optimizer").attributes
        let names = try attributes.names()
        func optional(_ name: String) throws(NetCDFError) -> Float? {
            names.contains(name) ? Float(try attributes.double(named: name)) : nil
        }
        guard let kind = OptimizerKind(rawValue: try attributes.text(named: "kind")) else { return nil }
        return OptimizerCheckpointState(
            kind: kind, stepCount: Int(try attributes.integer(named: "step_count")),
            learningRate: Float(try attributes.double(named: "learning_rate")),
            weightDecay: Float(try attributes.double(named: "weight_decay")),
            beta1: try optional("beta1"), beta2: try optional("beta2"), epsilon: try optional("epsilon"),
            momentum: try optional("momentum"))
    }

    /// A new model of the checkpoint's configuration with the checkpoint's parameters and buffers (for inspection).
    public func makeModel() throws(CheckpointError) -> any ECGModel {
        let model = metadata.configuration.makeModel(seed: metadata.seed)
        try restore(into: model, optimizer: nil)
        return model
    }

    /// Reads every parameter and buffer into `model` and, if given, the optimizer's step count and state blocks
    /// into `optimizer`, then checks the parameters against the stored digest. Call `requireCompatible` first: a
    /// model of another shape is reported as a damaged file here.
    public func restore(into model: any ECGModel, optimizer: Optimizer?) throws(CheckpointError) {
        let store = model.parameters
        do {
            let root = file.root
            for entry in store.layout.entries {
                let variable = try root.variable(named: entry.name)
                try requireShape(variable, entry)
                try variable.read(into: store.storage(of: entry), start: entry.shape.map { _ in 0 }, count: entry.shape)
            }
            if let optimizer {
                let kind = try OptimizerCheckpointState(describing: optimizer).kind
                guard kind == optimizerState.kind else {
                    throw CheckpointError.settingMismatch(path: url.path, setting: "--optimizer",
                                                          checkpoint: optimizerState.kind.rawValue, run: kind.rawValue,
                                                          advice: "Pass --optimizer \(optimizerState.kind.rawValue).")
                }
                let group = try root.group(named: "optimizer")
                for block in optimizer.stateBlocks {
                    let blockGroup = try group.group(named: block.name)
                    for entry in store.layout.entries where entry.kind == .parameter {
                        let variable = try blockGroup.variable(named: entry.name)
                        try requireShape(variable, entry)
                        try variable.read(into: UnsafeMutableBufferPointer(rebasing: block.values[entry.offset..<(entry.offset + entry.count)]),
                                          start: entry.shape.map { _ in 0 }, count: entry.shape)
                    }
                }
                optimizer.stepCount = optimizerState.stepCount
            }
        } catch let error as CheckpointError {
            throw error
        } catch let error as NetCDFError {
            if case let .notFound(_, kind, name, container, _) = error {
                throw .notACheckpoint(path: url.path, reason: "it has no \(kind) '\(name)' in \(container)")
            }
            throw .unreadable(path: url.path, detail: error.description)
        } catch {
            throw .unreadable(path: url.path, detail: "\(error)")
        }
        let computed = ParameterDigest(of: store)
        guard computed == storedDigest else {
            throw .digestMismatch(path: url.path, stored: storedDigest.description, computed: computed.description)
        }
        try requireUsableValues(store, optimizer: optimizer)
    }

    /// Refuses a model whose parameters, buffers or optimizer state hold NaN or infinity, or whose running
    /// variance is negative: such a checkpoint would evaluate to meaningless numbers (or train on into NaN) while
    /// its digest still matches, so every reader stops here with the tensor's name.
    private func requireUsableValues(_ store: ParameterStore, optimizer: Optimizer?) throws(CheckpointError) {
        func check(_ name: String, _ values: UnsafeMutableBufferPointer<Float>, nonNegative: Bool) throws(CheckpointError) {
            guard let index = values.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) else { return }
            let count = values.count(where: { !$0.isFinite || (nonNegative && $0 < 0) })
            throw .unusableValues(path: url.path, tensor: name,
                                  detail: "\(count) of its \(values.count) values are "
                                    + (nonNegative ? "negative or not finite" : "NaN or infinite")
                                    + " (the first, at index \(index), is \(values[index]))")
        }
        for entry in store.layout.entries {
            try check(entry.name, store.storage(of: entry), nonNegative: entry.name.hasSuffix("running_var"))
        }
        for block in optimizer?.stateBlocks ?? [] {
            for entry in store.layout.entries where entry.kind == .parameter {
                try check("optimizer/\(block.name)/\(entry.name)",
                          UnsafeMutableBufferPointer(rebasing: block.values[entry.offset..<(entry.offset + entry.count)]),
                          nonNegative: false)
            }
        }
    }

    private func requireShape(_ variable: NetCDFVariable, _ entry: ParameterEntry) throws {
        let shape = try variable.shape()
        guard shape == entry.shape, variable.type == .float32 else {
            throw CheckpointError.notACheckpoint(path: url.path, reason: "variable '\(variable.qualifiedName)' is "
                + "\(variable.type) \(shape), the model needs float \(entry.shape)")
        }
    }
}
