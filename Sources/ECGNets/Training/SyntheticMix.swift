import DistTensor
import Foundation

/// Synthetic augmentation of a real training set (`train --synthetic-fraction F [--synthetic-classes LIST]`), as a
/// checkpoint records it: the share of every epoch's samples that are simulated, the dataset classes the simulator's
/// draws favour, the factor on their odds and the simulator's revision. The same settings on the same data give the
/// same epochs, so a resume must have them all (`CheckpointReader.requireCompatible`).
public struct SyntheticMix: Sendable, Equatable, Codable {
    /// Share of each epoch's samples that are simulated, in [0, 1).
    public var fraction: Double
    /// The dataset classes (codes, in the dataset's class order) whose odds the simulated records are drawn with
    /// raised.
    public var classCodes: [String]
    /// The factor on the odds of each chosen class (`ECGSimulator.Configuration.classWeights`).
    public var classWeight: Double
    /// `ECGSimulator.revision` of the simulated records.
    public var simulatorRevision: Int

    /// The factor on the odds of the chosen classes: 4 roughly triples the share of a class drawn in 1–5 % of records
    /// (odds 0.04 → 0.16: 3.8 % → 14 %) while classes that exclude each other (rhythms, blocks) still leave room for
    /// one another when several are chosen.
    public static let favouredClassWeight = 4.0

    public init(fraction: Double, classCodes: [String], classWeight: Double = favouredClassWeight,
                simulatorRevision: Int = ECGSimulator.revision) {
        self.fraction = fraction
        self.classCodes = classCodes
        self.classWeight = classWeight
        self.simulatorRevision = simulatorRevision
    }

    /// Simulated samples per epoch beside `realCount` real ones, `round(N·F/(1−F))`: then they are the fraction F of
    /// the epoch's N + S samples (as near as whole samples get).
    public static func simulatedCount(realCount: Int, fraction: Double) -> Int {
        Int((Double(realCount) * fraction / (1 - fraction)).rounded())
    }

    /// Whether `name` (an abbreviation or SNOMED-CT code, any letter case) is a class the simulator draws: one of
    /// `ECGCondition`'s, or a Challenge class that one of them labels (e.g. CRBBB, the equivalent of RBBB). What
    /// `train` can check before it has the dataset.
    public static func isSimulatorClass(_ name: String) -> Bool {
        ECGCondition.allCases.contains { matches(name, code: $0.snomedCode, abbreviation: $0.abbreviation) }
            || [ChallengeClasses.challenge2020, .challenge2021].contains { list in
                drawableColumns(of: list).contains { matches(name, code: list.classes[$0].code, abbreviation: list.classes[$0].abbreviation) }
            }
    }

    /// The simulator's class names, for messages.
    public static var simulatorClassNames: String { ECGCondition.allCases.map(\.abbreviation).joined(separator: ", ") }

    /// The findings whose Dx code labels column `column` of `classes` (through the same mapping prepared records get,
    /// equivalent Challenge codes included).
    static func conditions(labelling column: Int, of classes: ChallengeClasses) -> [ECGCondition] {
        ECGCondition.allCases.filter { classes.encode(dxCodes: [$0.snomedCode]).trainingTargets[column] != 0 }
    }

    /// The columns of `classes` some simulated finding labels.
    static func drawableColumns(of classes: ChallengeClasses) -> [Int] {
        classes.classes.indices.filter { !conditions(labelling: $0, of: classes).isEmpty }
    }

    /// The columns of `task` to favour: those `names` give, or by default the rarest drawable classes of the
    /// training split, those with fewer positives (`trainPositives`, one count per class) than the median drawable
    /// class (all of the fewest, if none has fewer). The median splits off the rarer half whatever the class list's
    /// size, without a threshold to tune. A name is a dataset class (code or name) or a simulator class
    /// (abbreviation or code); either stands for the simulator findings that label it, and so for every dataset
    /// class those label (a Challenge pair such as CRBBB and RBBB together, as real records are labelled).
    static func chosenColumns(_ names: [String]?, task: ECGTask, trainPositives: [Int]) throws(TrainingRunError) -> [Int] {
        let classes = task.multiLabelClasses
        let drawable = drawableColumns(of: classes)
        guard !drawable.isEmpty else { return [] }
        guard let names else {
            let counts = drawable.map { trainPositives[$0] }.sorted()
            let median = counts.count % 2 == 1 ? Double(counts[counts.count / 2])
                : Double(counts[counts.count / 2 - 1] + counts[counts.count / 2]) / 2
            let rarer = drawable.filter { Double(trainPositives[$0]) < median }
            return rarer.isEmpty ? drawable.filter { trainPositives[$0] == counts[0] } : rarer
        }
        let drawableNames = drawable.map { task.classes[$0].name }.joined(separator: ", ")
        var conditions = Set<ECGCondition>()
        for name in names {
            if let column = task.classes.firstIndex(where: { matches(name, code: $0.code, abbreviation: $0.name) }) {
                let labelling = Self.conditions(labelling: column, of: classes)
                guard !labelling.isEmpty else {
                    throw .invalidSetting("--synthetic-classes: the simulator does not draw \(name), a class of the dataset; "
                        + "the dataset's classes it draws are \(drawableNames)")
                }
                conditions.formUnion(labelling)
            } else if let condition = ECGCondition.allCases.first(where: { matches(name, code: $0.snomedCode, abbreviation: $0.abbreviation) }),
                      drawable.contains(where: { Self.conditions(labelling: $0, of: classes).contains(condition) }) {
                conditions.insert(condition)
            } else {
                throw .invalidSetting("--synthetic-classes: \(name) is not one of the dataset's classes the simulator draws; "
                    + "they are \(drawableNames)")
            }
        }
        return drawable.filter { !conditions.isDisjoint(with: Self.conditions(labelling: $0, of: classes)) }
    }

    private static func matches(_ name: String, code: String, abbreviation: String) -> Bool {
        let name = name.trimmingCharacters(in: .whitespaces)
        return name == code || name.caseInsensitiveCompare(abbreviation) == .orderedSame
    }
}

/// A real training split with simulated records mixed into every epoch: samples `0..<real.count` are the real ones,
/// the `simulatedCount` after them simulated, so the epoch sampler shuffles N + S samples and the global batch,
/// steps per epoch and the same batch on any number of ranks hold as for real data alone.
///
/// Simulated sample `slot` of `epoch` is record `index(slot, epoch)` of `ECGSimulator(seed:)` with the run's seed,
/// the index a hash of `(seed, epoch, slot)`: every epoch gets fresh records, each a pure function of that key,
/// generated when the batch needs it (nothing is kept), the same on any rank and on resume. The record (10 s at
/// 500 Hz, longer if the window is) goes through the dataset's own preparation (`ECGRecordPreparation`: its leads in
/// order, resampling to its rate, its band-pass, its label mapping, int16 µV), then through the same window cutting,
/// normalisation and training augmentation as a real record (`ECGDatasetSamples.writeWindow`), keyed by record
/// index `-1 - slot`, which no real record has. Its target is the simulator's labels mapped onto the dataset's
/// classes: findings the dataset has no class for set nothing, classes the simulator does not draw stay 0, and a
/// record none of whose findings is a dataset class is kept as a negative.
///
/// Only multi-label datasets on standard leads are served: the 12-lead simulator has no single-label (CinC 2017)
/// labels.
public final class SyntheticMixSource: SampleSource {
    public let real: ECGDatasetSamples
    public let mix: SyntheticMix
    /// Simulated samples per epoch.
    public let simulatedCount: Int
    public var count: Int { real.count + simulatedCount }
    public var leads: Int { real.leads }
    public var classes: Int { real.classes }
    public var length: Int { real.length }
    /// The simulator the records come from: the run's seed, the chosen classes' odds raised.
    public let simulator: ECGSimulator
    private let seed: UInt64
    private let preparation: ECGRecordPreparation

    /// `real` (in training mode) with `fraction` of every epoch simulated, favouring the classes `classNames` give
    /// (nil: the rarest of `real`'s records, see `SyntheticMix.chosenColumns`) by `classWeight` on their odds.
    public init(real: ECGDatasetSamples, fraction: Double, classNames: [String]? = nil,
                classWeight: Double = SyntheticMix.favouredClassWeight) throws(TrainingRunError) {
        let dataset = real.dataset
        let task = dataset.task
        guard case let .training(seed, _) = real.mode else {
            throw .invalidSetting("--synthetic-fraction mixes simulated records into training samples, not evaluation ones")
        }
        guard fraction >= 0 && fraction < 1 else {
            throw .invalidSetting("--synthetic-fraction must be in [0, 1) (got \(fraction)).")
        }
        guard task.labelKind == .multiLabel else {
            throw .unusableTask(dataset: dataset.url.path, reason: "--synthetic-fraction mixes in the 12-lead simulator's "
                + "multi-label records, and this dataset's task is single-label (classes "
                + task.classCodes.joined(separator: ", ") + "); CinC 2017 style records come from another simulator "
                + "(synth --style cinc2017), which train does not mix in: prepare such records into the dataset instead")
        }
        let positives = task.classes.indices.map { column in real.recordIndices.reduce(0) { $0 + Int(dataset.records[$1].labels[column]) } }
        let columns = try SyntheticMix.chosenColumns(classNames, task: task, trainPositives: positives)
        guard !columns.isEmpty else {
            throw .unusableTask(dataset: dataset.url.path, reason: "--synthetic-fraction: the simulator draws none of its "
                + "classes (\(task.classCodes.prefix(8).joined(separator: ", "))); it draws "
                + SyntheticMix.simulatorClassNames)
        }
        let conditions = Set(columns.flatMap { SyntheticMix.conditions(labelling: $0, of: task.multiLabelClasses) })
        let rate = task.samplingFrequency
        let duration = max(10, (Double(real.length) / rate).rounded(.up))
        do {
            simulator = try ECGSimulator(seed: seed, configuration: ECGSimulator.Configuration(
                duration: duration, classWeights: Dictionary(uniqueKeysWithValues: conditions.map { ($0, classWeight) })))
        } catch {
            throw .invalidSetting("--synthetic-fraction: windows of \(real.length) samples at \(rate) Hz need simulated "
                + "records of \(duration) s, which the simulator cannot make: \(error)")
        }
        do {
            preparation = try ECGRecordPreparation(options: try Self.preparationOptions(of: dataset, leads: real.leadRows.map { dataset.leadNames[$0] }))
        } catch {
            throw .unusableTask(dataset: dataset.url.path, reason: "--synthetic-fraction cannot prepare simulated records as "
                + "this dataset's: \(error)")
        }
        self.real = real
        self.seed = seed
        mix = SyntheticMix(fraction: fraction, classCodes: columns.map { task.classCodes[$0] }, classWeight: classWeight)
        simulatedCount = SyntheticMix.simulatedCount(realCount: real.count, fraction: fraction)
        if fraction > 0 && simulatedCount == 0 {
            throw .invalidSetting("--synthetic-fraction \(fraction) gives no simulated sample beside \(real.count) training "
                + "records; use at least \(String(format: "%.4f", 0.5 / (Double(real.count) + 0.5))).")
        }
        // One record through the whole path now, so a rate or filter the preparation cannot apply fails here, by name.
        if simulatedCount > 0 { _ = try prepared(slot: 0, epoch: 0) }
    }

    /// One line for the run's start: the epoch's mix and the favoured classes.
    public var summary: String {
        let names = mix.classCodes.compactMap { code in real.dataset.task.classes.first { $0.code == code }?.name }
        return "epoch: \(real.count) real + \(simulatedCount) simulated (classes: \(names.joined(separator: ", ")); "
            + "odds x\(String(format: "%g", mix.classWeight)), simulator revision \(mix.simulatorRevision))"
    }

    public func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) throws {
        guard index >= real.count else { return try real.fill(index, epoch: epoch, signal: signal, target: target) }
        let slot = index - real.count
        guard slot < simulatedCount else {
            throw ECGDatasetError.recordOutOfRange(real.dataset.url, index: index, count: count)
        }
        let record = try prepared(slot: slot, epoch: epoch)
        let scale = real.dataset.scaleFactor
        let samples = record.samples.map { Float($0) * scale }
        try samples.withUnsafeBufferPointer { samples in
            try real.writeWindow(of: samples, recordLength: record.length, recordName: record.id,
                                 key: real.trainingKey(slot: -1 - slot, epoch: epoch), into: signal)
        }
        for label in 0..<classes { target[label] = Float(record.labels[label]) }
    }

    /// The simulator's record index of simulated sample `slot` in `epoch`.
    public func simulatorIndex(slot: Int, epoch: Int) -> Int {
        var random = RandomStream(seed: seed, 0x5359_4E54, UInt64(truncatingIfNeeded: epoch), UInt64(truncatingIfNeeded: slot))
        return Int(truncatingIfNeeded: random.next())
    }

    /// Simulated sample `slot` of `epoch` as the dataset's preparation makes it.
    private func prepared(slot: Int, epoch: Int) throws(TrainingRunError) -> PreparedECGRecord {
        let id = "SYN-e\(epoch)-\(slot)"
        let record = simulator.record(at: simulatorIndex(slot: slot, epoch: epoch))
            .record(id: id, in: URL(fileURLWithPath: "simulator", isDirectory: true))
        switch preparation.prepare(record, source: "simulator", file: "simulated record \(id)") {
        case let .success(prepared): return prepared
        case let .failure(skip):
            throw .unusableTask(dataset: real.dataset.url.path, reason: "--synthetic-fraction cannot prepare simulated "
                + "records as this dataset's: \(skip.message)")
        }
    }

    /// The dataset's preparation for `leads`: its rate, band-pass and class list, every record kept.
    private static func preparationOptions(of dataset: ECGDataset, leads: [String]) throws -> ECGDatasetPreparationOptions {
        let task = dataset.task
        let labels: ECGLabelSource = switch task.challengeClasses?.codes {
        case ChallengeClasses.challenge2020.codes?: .challenge2020
        case ChallengeClasses.challenge2021.codes?: .challenge2021
        default: .snomedList(classes: task.classes, path: dataset.url.path)
        }
        var options = ECGDatasetPreparationOptions(samplingFrequency: task.samplingFrequency, labels: labels, leads: leads,
                                                   bandPass: try bandPass(inPreparation: dataset.preparationOptions))
        options.keepsUnlabelledRecords = true
        return options
    }

    /// The band-pass a dataset was prepared with (nil for none), read from its preparation description.
    private static func bandPass(inPreparation description: String) throws -> ECGBandPass? {
        guard let bandPass = ECGDatasetPreparationOptions.bandPass(inCanonicalDescription: description) else {
            throw TrainingRunError.invalidSetting("its preparation '\(description)' names no readable band-pass (ORDER:LOW:HIGH)")
        }
        return bandPass
    }
}
