import DistTensor
import ECGNets
import Foundation
import Testing

/// Synthetic augmentation (`train --synthetic-fraction`, issue 16): simulated records mixed into the real training
/// split of `TrainingRunTests.dataset` (60 train records): the same seed gives the same epochs bit for bit, the mix
/// holds the counted fraction and favours the chosen classes, and checkpoints record it and refuse a resume that
/// asks for another.
@Suite(.serialized) struct SyntheticMixTests {
    static let augmentation = AugmentationPolicy(
        amplitudeScaling: AmplitudeScaling(probability: 0.5, maximumChange: 0.2),
        gaussianNoise: GaussianNoise(probability: 0.5, standardDeviation: 0.05))

    /// The training split of the 80-record set in 400-sample windows, augmented, with `fraction` simulated.
    static func source(seed: UInt64, fraction: Double, classes: [String]? = nil,
                       classWeight: Double = SyntheticMix.favouredClassWeight) throws -> SyntheticMixSource {
        let dataset = try ECGDataset(contentsOf: TrainingRunTests.dataset)
        let real = try ECGDatasetSamples(
            dataset: dataset, recordIndices: dataset.indices(in: .train), windowLength: 400,
            mode: .training(seed: seed, augmenter: try ECGAugmenter(policy: augmentation, samplingFrequency: 500)))
        return try SyntheticMixSource(real: real, fraction: fraction, classNames: classes, classWeight: classWeight)
    }

    /// Every sample of `epoch` (`indices`, default all): signals and targets, sample after sample.
    static func samples(of source: SampleSource, epoch: Int, indices: Range<Int>? = nil) throws -> (signals: [Float], targets: [Float]) {
        let indices = indices ?? 0..<source.count
        var signals = [Float](repeating: .nan, count: indices.count * source.leads * source.length)
        var targets = [Float](repeating: .nan, count: indices.count * source.classes)
        try signals.withUnsafeMutableBufferPointer { signals in
            try targets.withUnsafeMutableBufferPointer { targets in
                for (n, index) in indices.enumerated() {
                    try source.fill(index, epoch: epoch, signal: signals.baseAddress! + n * source.leads * source.length,
                                    target: targets.baseAddress! + n * source.classes)
                }
            }
        }
        return (signals, targets)
    }

    /// Must-hold (1): two sources of one seed give bit-equal epochs (real and simulated samples, crops and
    /// augmentation included); another epoch gets other simulated records, and another seed other samples.
    @Test func theSameSeedGivesTheSameEpochs() throws {
        let (first, second, other) = (try Self.source(seed: 5, fraction: 0.25), try Self.source(seed: 5, fraction: 0.25),
                                      try Self.source(seed: 6, fraction: 0.25))
        #expect(first.real.count == 60 && first.simulatedCount == 20 && first.count == 80)
        let simulated = 60..<80
        for epoch in 0..<2 {
            let (a, b) = (try Self.samples(of: first, epoch: epoch), try Self.samples(of: second, epoch: epoch))
            #expect(a.signals.allSatisfy(\.isFinite) && a.targets.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(a.signals.map(\.bitPattern) == b.signals.map(\.bitPattern) && a.targets == b.targets, "epoch \(epoch)")
        }
        let epoch0 = try Self.samples(of: first, epoch: 0, indices: simulated)
        let epoch1 = try Self.samples(of: first, epoch: 1, indices: simulated)
        let otherSeed = try Self.samples(of: other, epoch: 0, indices: simulated)
        let window = first.leads * first.length
        for slot in 0..<simulated.count {
            let part = { (signals: [Float]) in Array(signals[(slot * window)..<((slot + 1) * window)]) }
            #expect(part(epoch0.signals) != part(epoch1.signals), "slot \(slot): the same record in two epochs")
            #expect(part(epoch0.signals) != part(otherSeed.signals), "slot \(slot): the same record for two seeds")
        }
        // Every simulated record carries some label (each draws a rhythm or pacing, all of them 2020 classes).
        for slot in 0..<simulated.count { #expect(epoch0.targets[(slot * 27)..<((slot + 1) * 27)].contains(1)) }
    }

    /// Must-hold (2), counted over an epoch: the sampler's epoch holds S = round(N·F/(1−F)) simulated samples, the
    /// fraction F to within one sample, and (with 180 simulated samples) the simulated positives of every chosen class
    /// outnumber those of the same slots drawn without the class weights (the same records' random streams, so the
    /// difference is the weighting).
    @Test(arguments: [0.2, 0.75]) func theMixIsTheFractionAndTheChosenClasses(fraction: Double) throws {
        let source = try Self.source(seed: 3, fraction: fraction, classes: ["LQT", "PAC", "713427006"])
        let expected = Int((60 * fraction / (1 - fraction)).rounded())
        #expect(source.simulatedCount == expected)
        let sampler = try EpochSampler(recordCount: source.count, worldSize: 2, globalBatchSize: 8, seed: 3)
        let order = sampler.permutation(epoch: 1)
        #expect(order.filter { $0 >= source.real.count }.count == expected && Set(order).count == source.count)
        #expect(abs(Double(expected) / Double(source.count) - fraction) <= 1 / Double(source.count))
        // LQT, PAC with its equivalent SVPB, and CRBBB (713427006) with its equivalent RBBB, in the dataset's order.
        let codes = ECGTask.challenge2020.classCodes
        #expect(source.mix.classCodes == codes.filter { ["111975006", "284470004", "63593006", "713427006", "59118001"].contains($0) })
        #expect(source.mix.classWeight == 4 && source.mix.simulatorRevision == ECGSimulator.revision)
        #expect(source.summary.contains("epoch: 60 real + \(expected) simulated (classes: ") && source.summary.contains("LQT"), "\(source.summary)")

        guard expected >= 100 else { return }  // too few simulated samples to count positives of rare classes
        let unweighted = try Self.source(seed: 3, fraction: fraction, classes: ["LQT", "PAC", "713427006"], classWeight: 1)
        let slots = source.real.count..<source.count
        let (weighted, plain) = (try Self.samples(of: source, epoch: 1, indices: slots).targets,
                                 try Self.samples(of: unweighted, epoch: 1, indices: slots).targets)
        func positives(_ targets: [Float], _ code: String) -> Int {
            let column = codes.firstIndex(of: code)!
            return stride(from: column, to: targets.count, by: codes.count).filter { targets[$0] == 1 }.count
        }
        for code in source.mix.classCodes {
            let (favoured, base) = (positives(weighted, code), positives(plain, code))
            #expect(favoured > base, "class \(code): \(favoured) of \(expected) weighted, \(base) without")
        }
    }

    /// A simulated sample is what the dataset's preparation makes of its simulator record: that record written as
    /// a WFDB record (µV) and prepared like real ones (here lead II and V1, 250 Hz, a 0.5-40 Hz band-pass) gives the
    /// same window to within the two quantisations (2 µV), and the same labels.
    @Test func simulatedSamplesArePreparedAsTheDatasetsRecords() throws {
        let directory = try TrainingRunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = ECGDatasetPreparationOptions(samplingFrequency: 250, leads: ["II", "V1"],
                                                   bandPass: ECGBandPass(order: 4, lowCutoff: 0.5, highCutoff: 40))
        let url = directory.appendingPathComponent("ii-v1-250.nc")
        _ = try ECGDatasetPreparation(options: options).prepare(.simulator(count: 40, seed: 2), to: url)
        let dataset = try ECGDataset(contentsOf: url)
        let real = try ECGDatasetSamples(dataset: dataset, recordIndices: dataset.indices(in: .train), windowLength: 2500,
                                         mode: .training(seed: 9, augmenter: nil))
        let source = try SyntheticMixSource(real: real, fraction: 0.5, classNames: ["AF"])
        #expect(source.leads == 2 && source.length == 2500 && source.simulatedCount == real.count)
        let mixed = try Self.samples(of: source, epoch: 1, indices: source.real.count..<(source.real.count + 1))

        let records = directory.appendingPathComponent("records", isDirectory: true)
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        let record = source.simulator.record(at: source.simulatorIndex(slot: 0, epoch: 1)).record(id: "SYN", in: records)
        _ = try ChallengeRecordWriter(gain: 1000).write(record, to: records)
        options.splitFractions = try DatasetSplitFractions(train: 1, validation: 0, test: 0)
        let preparedURL = directory.appendingPathComponent("written.nc")
        _ = try ECGDatasetPreparation(options: options).prepare(.directory(records), to: preparedURL)
        let written = try ECGDataset(contentsOf: preparedURL)
        let reference = try Self.samples(of: try ECGDatasetSamples(dataset: written, recordIndices: [0], windowLength: 2500,
                                                                   mode: .evaluation), epoch: 0)
        #expect(mixed.targets == reference.targets && mixed.targets.contains(1))
        let difference = zip(mixed.signals, reference.signals).map { abs($0 - $1) }.max() ?? .nan
        #expect(difference <= 0.002, "largest difference \(difference) mV")
        #expect(mixed.signals.map { abs($0) }.max()! > 0.3, "a window with beats in it")
    }

    /// Without --synthetic-classes, the favoured classes are the drawable ones with fewer training positives than the
    /// median drawable class, counted here from the dataset's labels.
    @Test func theDefaultClassesAreTheRarestOfTheTrainingSplit() throws {
        let source = try Self.source(seed: 3, fraction: 0.5)
        let dataset = source.real.dataset
        let codes = dataset.classCodes
        let counts = codes.indices.map { column in source.real.recordIndices.reduce(0) { $0 + Int(dataset.records[$1].labels[column]) } }
        // Every 2020 class is drawable (the simulator draws all 24 scored diagnoses; the 3 equivalents label with them).
        let sorted = counts.sorted()
        let median = Double(sorted[13])
        let rarer = codes.indices.filter { Double(counts[$0]) < median }.map { codes[$0] }
        #expect(!rarer.isEmpty && rarer.count < codes.count)
        #expect(source.mix.classCodes == rarer, "counts \(counts)")
    }

    /// Bad requests are refused by name: a fraction outside [0, 1), a class the simulator does not draw (before the
    /// dataset is read, and against the dataset's own classes), and a single-label dataset.
    @Test func badRequestsAreRefused() throws {
        var configuration = TrainingRunConfiguration()
        for fraction in [-0.1, 1, .nan] {
            configuration.syntheticFraction = fraction
            #expect { try configuration.validate() } throws: { "\($0)".contains("--synthetic-fraction must be in [0, 1)") }
        }
        configuration.syntheticFraction = 0.2
        configuration.syntheticClasses = ["XYZ"]
        #expect { try configuration.validate() } throws: { "\($0)".contains("--synthetic-classes: XYZ is not a class the simulator draws") }
        configuration.syntheticClasses = ["CRBBB", "svpb", "AF"]
        try configuration.validate()
        let dataset = try TrainingRunTests.ownClassListDataset(in: try TrainingRunTests.temporaryDirectory())
        let own = try ECGDataset(contentsOf: dataset)
        let real = try ECGDatasetSamples(dataset: own, recordIndices: own.indices(in: .train), windowLength: 400,
                                         mode: .training(seed: 1, augmenter: nil))
        #expect {
            _ = try SyntheticMixSource(real: real, fraction: 0.2, classNames: ["PAC"])
        } throws: { "\($0)".contains("PAC is not one of the dataset's classes the simulator draws; they are sinus, tachy, brady, af, lad") }
        // A simulator class stands for the dataset class it labels, whatever the dataset calls it.
        #expect(try SyntheticMixSource(real: real, fraction: 0.2, classNames: ["AF"]).mix.classCodes == ["164889003"])
        #expect {
            _ = try SyntheticMixSource(real: real, fraction: 0.001, classNames: ["AF"])
        } throws: { "\($0)".contains("gives no simulated sample beside 60 training records") }
    }

    /// Must-hold (3): the checkpoint records the mix, and a resume asking for another fraction, other classes or none
    /// is refused with a message naming the flag; the same flags resume.
    @Test func theCheckpointRecordsTheMixAndResumeChecksIt() throws {
        let directory = try TrainingRunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = TrainingRunTests.configuration(in: directory)
        configuration.epochs = 1
        configuration.syntheticFraction = 0.25
        let first = try TrainingRunTests.train(configuration)
        #expect(first.outcome == .completed && first.run.trainer.sampler.recordCount == 80)
        #expect(first.run.trainer.globalStep == 8, "80 samples in batches of 10")
        #expect(first.messages.contains { $0.hasPrefix("dist-train: epoch: 60 real + 20 simulated (classes: ") }, "\(first.messages)")
        let mix = try #require(first.run.syntheticSource?.mix)
        let checkpoint = try CheckpointReader(url: configuration.checkpoints.directory.appendingPathComponent("step-000008.nc"))
        #expect(checkpoint.metadata.syntheticMix == mix && mix.fraction == 0.25 && mix.classWeight == 4)

        configuration.epochs = 2
        func refusal(_ change: (inout TrainingRunConfiguration) -> Void) -> String {
            var changed = configuration
            change(&changed)
            do {
                _ = try TrainingRunTests.train(changed)
                return "resumed"
            } catch {
                return "\(error)"
            }
        }
        let fraction = refusal { $0.syntheticFraction = 0.4 }
        #expect(fraction.contains("was trained with --synthetic-fraction 0.25, this run asks for 0.4"), "\(fraction)")
        let none = refusal { $0.syntheticFraction = 0 }
        #expect(none.contains("--synthetic-fraction 0.25, this run asks for 0.0"), "\(none)")
        let classes = refusal { $0.syntheticClasses = ["AF"] }
        #expect(classes.contains("was trained with --synthetic-classes ") && classes.contains("this run asks for 164889003"), "\(classes)")
        // Unchanged flags resume, into the second epoch's fresh simulated records.
        let resumed = try TrainingRunTests.train(configuration)
        #expect(resumed.messages.contains { $0.contains("resuming from") && $0.contains("step 8") } && resumed.run.trainer.globalStep == 16)
    }
}
