import DistTensor
import Foundation

/// Writes a training checkpoint as one NetCDF-4 file, atomically (temporary file, fsync, rename, directory fsync),
/// in the layout of DESIGN.md §5:
///
/// - global attributes: format and version, model and its configuration (JSON; `ModelConfiguration`, plus its
///   `checkpointAttributes` such as `architecture`, `leads` and `widths` for `ncdump -h`), counters, seed, batch, class list,
///   software version, creation time, run configuration, metric history and training state (JSON), the
///   validation metric and the parameter digest; the task (`task` JSON: label kind, classes, leads, rate; and
///   `label_kind`, `lead_names` for `ncdump -h`), the loss's `class_weights` and the `selection_metric`; with
///   `--synthetic-fraction`, `synthetic_fraction`, `synthetic_classes`, `synthetic_class_weight` and
///   `synthetic_simulator_revision`;
/// - one float variable per parameter and buffer, named by its `state_dict` name, with its real dimensions
///   (`channels_<n>`, `kernel_<n>`);
/// - `thresholds(classes)` and `rank_state(rank, word)`;
/// - group `optimizer`: kind, step count and settings as attributes, one sub-group per state block (`m`, `v` or
///   `momentum`) holding a variable per parameter.
public enum CheckpointWriter {
    /// Writes `model`'s parameters and buffers, `optimizer`'s state and `metadata` to `url`; a crash leaves either
    /// the previous file at `url` or the complete new one.
    public static func write(to url: URL, model: any ECGModel, optimizer: Optimizer, metadata: CheckpointMetadata) throws {
        let optimizerState = try OptimizerCheckpointState(describing: optimizer)
        let digest = ParameterDigest(of: model.parameters)
        // The tensors' bytes, a lower bound of the file's size: a file system with less free space is refused before
        // anything is written.
        let floats = model.parameters.layout.entries.reduce(0) { $0 + $1.count }
            + optimizer.stateBlocks.count * model.parameters.parameterCount
        try NetCDFFile.writeAtomically(to: url, expectedBytes: Int64(4 * floats)) { file in
            let root = file.root
            try writeAttributes(metadata, digest: digest, to: root.attributes)
            let dimensions = DimensionCache(group: root)
            let storage = NetCDFStorage(prefill: false)
            let store = model.parameters
            for entry in store.layout.entries {
                let variable = try root.createVariable(named: entry.name, type: .float32,
                                                       dimensions: try dimensions.shaped(entry.shape), storage: storage)
                try variable.attributes.set("kind", to: .text(entry.kind == .parameter ? "parameter" : "buffer"))
                try variable.write(UnsafeBufferPointer(store.storage(of: entry)))
            }
            let classes = try root.createDimension(named: "classes", length: metadata.thresholds.count)
            let thresholds = try root.createVariable(named: "thresholds", type: .float64, dimensions: [classes])
            try thresholds.attributes.set("long_name", to: .text("per-class decision threshold on the probability"))
            try thresholds.write(metadata.thresholds)
            let ranks = try root.createDimension(named: "rank", length: metadata.worldSize)
            let words = try root.createDimension(named: "word", length: CheckpointMetadata.rankStateWords.count)
            let rankState = try root.createVariable(named: "rank_state", type: .int64, dimensions: [ranks, words])
            try rankState.attributes.set("words", to: .strings(CheckpointMetadata.rankStateWords))
            try rankState.write(metadata.rankStates.flatMap { $0 })
            try writeOptimizer(optimizer, state: optimizerState, store: store, into: root, dimensions: dimensions)
        }
    }

    private static func writeAttributes(_ metadata: CheckpointMetadata, digest: ParameterDigest,
                                        to attributes: NetCDFAttributes) throws {
        var values: [(String, NetCDFAttribute)] = [
            ("format", .text(CheckpointAttributeNames.formatName)),
            ("format_version", .integer(Int64(CheckpointMetadata.formatVersion))),
            ("model", .text(metadata.modelName)),
            ("model_configuration", .text(try metadata.configuration.json())),
        ] + metadata.configuration.checkpointAttributes + [
            ("class_codes", .strings(metadata.classCodes)),
            ("epoch", .integer(Int64(metadata.epoch))),
            ("global_step", .integer(Int64(metadata.globalStep))),
            ("step_in_epoch", .integer(Int64(metadata.stepInEpoch))),
            ("world_size", .integer(Int64(metadata.worldSize))),
            ("seed", .text(String(metadata.seed))),
            ("global_batch_size", .integer(Int64(metadata.globalBatchSize))),
            ("steps_per_epoch", .integer(Int64(metadata.stepsPerEpoch))),
            ("window_length", .integer(Int64(metadata.windowLength))),
            ("sampling_frequency", .double(metadata.samplingFrequency)),
            ("normalization", .text(metadata.normalization.rawValue)),
            ("dataset_preparation", .text(metadata.datasetPreparation)),
            ("validation_challenge_metric", .double(metadata.validationMetric ?? .nan)),
            ("parameter_digest", .text(digest.description)),
            ("software_version", .text(metadata.softwareVersion)),
            ("created", .text(CheckpointAttributeNames.timestamp(metadata.created))),
            ("run_configuration", .text(metadata.runConfigurationJSON)),
            ("metric_history", .text(metadata.metricHistoryJSON)),
            ("training_state", .text(metadata.trainingStateJSON)),
            ("label_kind", .text(metadata.task.labelKind.rawValue)),
            ("lead_names", .strings(metadata.task.leads)),
            ("class_weights", metadata.classWeights.map { .doubles($0) } ?? .text("none")),
        ]
        if let task = metadata.storedTask {
            values.append(("task", .text(String(decoding: try JSONEncoder.sorted.encode(task), as: UTF8.self))))
        }
        if let selection = metadata.selectionMetric { values.append(("selection_metric", .text(selection))) }
        if let precision = metadata.trainingPrecision { values.append(("precision", .text(precision.rawValue))) }
        if let mix = metadata.syntheticMix {
            values += [("synthetic_fraction", .double(mix.fraction)), ("synthetic_classes", .strings(mix.classCodes)),
                       ("synthetic_class_weight", .double(mix.classWeight)),
                       ("synthetic_simulator_revision", .integer(Int64(mix.simulatorRevision)))]
        }
        for (name, value) in values {
            try attributes.set(name, to: value)
        }
    }

    private static func writeOptimizer(_ optimizer: Optimizer, state: OptimizerCheckpointState, store: ParameterStore,
                                       into root: NetCDFGroup, dimensions: DimensionCache) throws {
        let group = try root.createGroup(named: "optimizer")
        var attributes: [(String, NetCDFAttribute)] = [
            ("kind", .text(state.kind.rawValue)),
            ("step_count", .integer(Int64(state.stepCount))),
            ("learning_rate", .double(Double(state.learningRate))),
            ("weight_decay", .double(Double(state.weightDecay))),
        ]
        for (name, value) in [("beta1", state.beta1), ("beta2", state.beta2), ("epsilon", state.epsilon),
                              ("momentum", state.momentum)] {
            if let value { attributes.append((name, .double(Double(value)))) }
        }
        for (name, value) in attributes {
            try group.attributes.set(name, to: value)
        }
        let storage = NetCDFStorage(prefill: false)
        for block in optimizer.stateBlocks {
            let blockGroup = try group.createGroup(named: block.name)
            for entry in store.layout.entries where entry.kind == .parameter {
                let variable = try blockGroup.createVariable(named: entry.name, type: .float32,
                                                             dimensions: try dimensions.shaped(entry.shape),
                                                             storage: storage)
                try variable.write(UnsafeBufferPointer(rebasing: block.values[entry.offset..<(entry.offset + entry.count)]))
            }
        }
    }
}

/// The shared dimensions of a checkpoint's tensors, created once per length and role in the root group (so the
/// optimizer's variables use the same ones): `channels_<n>` for all axes but the kernel axis of a rank-3 weight,
/// which is `kernel_<n>`.
private final class DimensionCache {
    private let group: NetCDFGroup
    private var byName: [String: NetCDFDimension] = [:]

    init(group: NetCDFGroup) {
        self.group = group
    }

    func shaped(_ shape: [Int]) throws -> [NetCDFDimension] {
        try shape.enumerated().map { axis, length in
            let name = (shape.count == 3 && axis == 2 ? "kernel_" : "channels_") + String(length)
            if let known = byName[name] { return known }
            let created = try group.createDimension(named: name, length: length)
            byName[name] = created
            return created
        }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so stored JSON does not change between runs.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
