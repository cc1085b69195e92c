import DistTensor
import Foundation

/// A deterministic source of labelled synthetic 12-lead ECGs for training and testing without patient data.
///
/// Record `index` of a simulator with a given seed is a pure function of `(seed, index, configuration)`: the
/// same bit for bit on every run, and independent of which other records were generated. All randomness comes
/// from DistTensor's `RandomStream`; the only other inputs are the C library's `sin`, `cos`, `exp`, `log` and
/// `sqrt`, so platforms whose math libraries round those alike give identical records. Each record draws a patient, a
/// set of findings (see `ECGCondition`), a beat schedule and a beat morphology (a moving cardiac dipole in the
/// manner of McSharry et al.'s ECGSYN, projected onto the 12 leads with Dower's coefficients), then adds
/// baseline wander, muscle and measurement noise. Labels are derived from what was drawn.
public struct ECGSimulator: Sendable {
    /// Signal format of the generated records.
    public struct Configuration: Sendable, Equatable {
        /// Supported sampling rates, in Hz.
        public static let samplingRates: ClosedRange<Double> = 100...2000
        /// Supported record lengths, in seconds.
        public static let durations: ClosedRange<Double> = 1...600

        /// Samples per second (default 500 Hz).
        public var samplingRate: Double
        /// Record length in seconds (default 10 s).
        public var duration: Double
        /// Mains frequency whose interference is added (50 or 60 Hz), or nil for none (the default).
        public var powerlineFrequency: Double?
        /// Whether records get the occasional recording faults of `RecordingArtifacts` (electrode motion, mains,
        /// saturation, a flat lead); off by default.
        public var artifacts: Bool
        /// Factors on the odds of drawing each finding (1 for a class not listed, 0 to never draw it; finite and
        /// not negative), to choose the class mix: e.g. `[.prematureAtrialContractions: 3]` triples the odds of
        /// PACs where they can be drawn (sinus rhythm with room for an early beat). Findings that exclude each
        /// other (rhythms, blocks) keep excluding each other, so weights change frequencies, not set them.
        public var classWeights: [ECGCondition: Double]

        public init(samplingRate: Double = 500, duration: Double = 10, powerlineFrequency: Double? = nil,
                    artifacts: Bool = false, classWeights: [ECGCondition: Double] = [:]) {
            self.samplingRate = samplingRate
            self.duration = duration
            self.powerlineFrequency = powerlineFrequency
            self.artifacts = artifacts
            self.classWeights = classWeights
        }

        /// Reads class weights from a text file: one `CLASS WEIGHT` (or `CLASS,WEIGHT`) per line, CLASS an
        /// abbreviation (`PAC`, `NSR`, `RBBB`, ...) or SNOMED-CT code of a simulated class, `#` starting a comment.
        public static func classWeights(contentsOf url: URL) throws(ECGSimulatorError) -> [ECGCondition: Double] {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw .unreadableClassWeights(url.path)
            }
            var weights: [ECGCondition: Double] = [:]
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let fields = line.split { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" }.map(String.init)
                if fields.isEmpty { continue }
                guard fields.count == 2, let weight = Double(fields[1]), weight.isFinite, weight >= 0 else {
                    throw .badClassWeightLine(url.path, line: number + 1, String(line))
                }
                guard let condition = ECGCondition.allCases.first(where: {
                    $0.abbreviation.caseInsensitiveCompare(fields[0]) == .orderedSame || $0.snomedCode == fields[0]
                }) else { throw .unknownWeightedClass(url.path, line: number + 1, fields[0]) }
                weights[condition] = weight
            }
            return weights
        }
    }

    public let seed: UInt64
    public let configuration: Configuration

    /// Changes whenever the records of a seed change (2: issue 16's 24 classes, patient variation and class mix;
    /// 3: baseline wander by rotated sines, within a few ulps of 2's), so that prepared-dataset caches of older
    /// records are not taken for these.
    public static let revision = 3

    /// A simulator for 10-s records at 500 Hz without powerline interference.
    public init(seed: UInt64) {
        self.seed = seed
        configuration = Configuration()
    }

    /// A simulator for records in `configuration`'s format; throws if the format is outside the supported ranges.
    public init(seed: UInt64, configuration: Configuration) throws {
        guard Configuration.samplingRates.contains(configuration.samplingRate) else {
            throw ECGSimulatorError.unsupportedSamplingRate(configuration.samplingRate)
        }
        guard Configuration.durations.contains(configuration.duration) else {
            throw ECGSimulatorError.unsupportedDuration(configuration.duration)
        }
        if let bad = configuration.classWeights.first(where: { !($0.value.isFinite && $0.value >= 0) }) {
            throw ECGSimulatorError.invalidClassWeight(bad.key.abbreviation, bad.value)
        }
        if let frequency = configuration.powerlineFrequency,
           !(frequency > 0 && 2 * frequency < configuration.samplingRate) {
            throw ECGSimulatorError.unsupportedPowerlineFrequency(frequency, samplingRate: configuration.samplingRate)
        }
        self.seed = seed
        self.configuration = configuration
    }

    /// The independent random streams of one record, so that changing how one part is drawn leaves the others.
    private enum Purpose: UInt64 {
        case profile = 1, morphology, schedule, breathing, atria, noise, artifacts
    }

    /// Record number `index` (any integer; negative ones are as valid as positive ones).
    public func record(at index: Int) -> SimulatedECG {
        let key = UInt64(bitPattern: Int64(index))
        func stream(_ purpose: Purpose) -> RandomStream { RandomStream(seed: seed, key, purpose.rawValue) }
        let rate = configuration.samplingRate
        let duration = configuration.duration
        let sampleCount = Int((duration * rate).rounded())

        var profileRandom = stream(.profile)
        let profile = ClinicalProfile.draw(weights: configuration.classWeights, using: &profileRandom)
        var breathingRandom = stream(.breathing)
        let breathing = breathingRandom.uniform(0.2...0.33)
        var morphologyRandom = stream(.morphology)
        let morphology = BeatMorphology.build(for: profile, using: &morphologyRandom)
        var scheduleRandom = stream(.schedule)
        let schedule = BeatSchedule.draw(for: profile, duration: duration, breathing: breathing, using: &scheduleRandom)

        var trace = HeartVectorTrace(sampleCount: sampleCount, samplingRate: rate)
        for onset in schedule.pWaveOnsets {
            trace.add(morphology.pWave, origin: onset, scale: 1)
        }
        for onset in schedule.ectopicPWaveOnsets {
            trace.add(morphology.ectopicPWave, origin: onset, scale: 1)
        }
        for beat in schedule.beats {
            let waves = switch beat.kind {
            case .prematureVentricular: morphology.prematureBeat
            case .paced: morphology.pacedBeat
            case .supraventricular, .prematureAtrial: morphology.conductedBeat
            }
            trace.add(waves, origin: beat.qrsOnset, scale: beat.amplitudeScale)
            if beat.kind == .paced {
                trace.addPulse(morphology.pacingSpike, start: beat.qrsOnset, duration: Self.pacingPulseWidth)
            }
        }
        var atrialRandom = stream(.atria)
        var atrialRate: Double?
        switch profile.rhythm {
        case .sinus, .junctional, .paced:
            break
        case .atrialFibrillation:
            atrialRate = AtrialActivity.addFibrillation(to: &trace, scale: morphology.atrialScale, using: &atrialRandom)
        case let .atrialFlutter(cycleLength, _):
            AtrialActivity.addFlutter(to: &trace, cycleLength: cycleLength, waveTime: schedule.flutterWaveTime ?? 0,
                                      scale: morphology.atrialScale, using: &atrialRandom)
            atrialRate = 60 / cycleLength
        }
        var noiseRandom = stream(.noise)
        var noise = RecordingNoise(sampleCount: sampleCount, samplingRate: rate, breathing: breathing,
                                   powerlineFrequency: configuration.powerlineFrequency, using: &noiseRandom)
        var artifacts = RecordingArtifacts()
        if configuration.artifacts {
            var artifactRandom = stream(.artifacts)
            artifacts = RecordingArtifacts.draw(duration: Double(sampleCount) / rate,
                                                hasMains: configuration.powerlineFrequency == nil, using: &artifactRandom)
            artifacts.add(to: &noise, samplingRate: rate, using: &artifactRandom)
        }
        var leads = LeadProjection.leads(of: trace, noise: noise)
        artifacts.apply(to: &leads)

        var truth = Self.truth(profile: profile, morphology: morphology, schedule: schedule, duration: duration,
                               atrialRate: atrialRate)
        truth.artifacts = artifacts
        return SimulatedECG(leads: leads, samplingRate: rate,
                            duration: Double(sampleCount) / rate, conditions: Self.conditions(of: profile, truth: truth),
                            age: profile.age, sex: profile.isMale ? "Male" : "Female", truth: truth)
    }

    /// Width of a pacing pulse, in seconds (pacemakers deliver 0.4–1.0 ms; sampled at 500 Hz it shows in one or
    /// two samples, as on real recordings).
    static let pacingPulseWidth = 0.001

    /// The ground truth of the beats that fall inside the record.
    private static func truth(profile: ClinicalProfile, morphology: BeatMorphology, schedule: BeatSchedule,
                              duration: Double, atrialRate: Double?) -> SimulatedECGTruth {
        let beats = schedule.beats
            .filter { $0.qrsOnset >= 0 && $0.qrsOnset < duration }
            .map { SimulatedECGTruth.Beat(qrsOnset: $0.qrsOnset, kind: $0.kind) }
        let intervals = zip(beats.dropFirst(), beats).map { $0.qrsOnset - $1.qrsOnset }
        let meanRR = intervals.isEmpty ? profile.meanRR : intervals.reduce(0, +) / Double(intervals.count)
        let rhythm: SimulatedECGTruth.Rhythm = switch profile.rhythm {
        case .sinus: .sinus
        case .atrialFibrillation: .atrialFibrillation
        case .atrialFlutter: .atrialFlutter
        case .junctional: .junctional
        case .paced: .paced
        }
        // Sinus cycles: intervals between two consecutive sinus-conducted beats, neither of them premature nor
        // the one right after a premature beat.
        let sinusIntervals = rhythm == .sinus ? beats.indices.dropFirst().filter { index in
            beats[index].kind == .supraventricular && beats[index - 1].kind == .supraventricular
                && (index < 2 || beats[index - 2].kind == .supraventricular)
        }.map { beats[$0].qrsOnset - beats[$0 - 1].qrsOnset } : []
        return SimulatedECGTruth(
            rhythm: rhythm, beats: beats, rrIntervals: intervals, meanHeartRate: 60 / meanRR,
            qrsDuration: morphology.qrsDuration, prInterval: rhythm == .sinus ? profile.prInterval : nil,
            qtInterval: morphology.qtInterval, correctedQTInterval: morphology.qtInterval / meanRR.squareRoot(),
            qrsAxis: morphology.qrsAxis, limbLeadQRSAmplitude: morphology.limbLeadQRSAmplitude,
            atrialRate: atrialRate,
            negativeTWaveLeads: morphology.negativeTWaveLeads.map { SimulatedECG.leadNames[$0] },
            sinusRRRange: (sinusIntervals.max() ?? 0) - (sinusIntervals.min() ?? 0),
            pacingSpikes: beats.filter { $0.kind == .paced }.map(\.qrsOnset))
    }

    /// The findings a reader would code from what was drawn, by these criteria (the AHA/ACCF/HRS
    /// recommendations for the standardization and interpretation of the ECG: Mason et al., Circulation
    /// 115:1325–1332, 2007, part II, the statement list; Surawicz et al., Circulation 119:e235–e240, 2009, part
    /// III, intraventricular conduction; Rautaharju et al., Circulation 119:e241–e250, 2009, part IV, ST, T, U
    /// and QT; Q waves by the Fourth Universal Definition of Myocardial Infarction, Thygesen et al., Circulation
    /// 138:e618–e651, 2018):
    /// - sinus rhythm 60–100 bpm, sinus bradycardia below 60, sinus tachycardia above 100; bradycardia: a
    ///   ventricular rate below 60 bpm in a rhythm that is not sinus (here a junctional escape rhythm);
    /// - sinus arrhythmia: sinus cycles varying by more than 0.16 s (Chou's criterion; drawn 0.3–0.5 s, while
    ///   other sinus records vary by at most 0.1 s);
    /// - first-degree AV block and prolonged PR interval: PR above 200 ms (the same criterion under two codes,
    ///   both coded);
    /// - premature atrial / ventricular contractions: an early beat with / without a premature P wave and a
    ///   narrow / wide QRS, with a non-compensatory / compensatory pause;
    /// - complete RBBB and LBBB: QRS of 120 ms or more with their patterns; incomplete RBBB: 110–120 ms with
    ///   rSr' in V1; nonspecific intraventricular conduction disorder: above 110 ms (drawn from 130 ms) without
    ///   either pattern; LAnFB: axis −45° to −90° with qR in aVL and rS in II, III, aVF;
    /// - axis beyond −30° (left) or +90° (right), limb-lead QRS below 0.5 mV, QTc (Bazett) above 460 ms;
    /// - T inversion: negative T waves where they are normally upright; T abnormality: flat T waves (below a
    ///   tenth of the R wave); Q-wave abnormality: Q waves of 20 ms or more (or QS) in V2 and V3;
    /// - pacing rhythm: pacing spikes, each followed by a paced (wide) QRS. Paced beats are coded as nothing
    ///   else: axis, QT and voltage criteria are not applied to them.
    private static func conditions(of profile: ClinicalProfile, truth: SimulatedECGTruth) -> [ECGCondition] {
        var found: Set<ECGCondition> = []
        switch truth.rhythm {
        case .sinus:
            found.insert(truth.meanHeartRate < 60 ? .sinusBradycardia
                         : truth.meanHeartRate > 100 ? .sinusTachycardia : .sinusRhythm)
            if let pr = truth.prInterval, pr > 0.2 { found.formUnion([.firstDegreeAVBlock, .prolongedPRInterval]) }
            if truth.sinusRRRange > 0.16 { found.insert(.sinusArrhythmia) }
        case .atrialFibrillation:
            found.insert(.atrialFibrillation)
        case .atrialFlutter:
            found.insert(.atrialFlutter)
        case .junctional:
            found.insert(.bradycardia)
        case .paced:
            return [.pacingRhythm]
        }
        switch profile.conduction {
        case .normal: break
        case .rightBundleBranchBlock: found.insert(.rightBundleBranchBlock)
        case .leftBundleBranchBlock: found.insert(.leftBundleBranchBlock)
        case .incompleteRightBundleBranchBlock: found.insert(.incompleteRightBundleBranchBlock)
        case .nonspecificIntraventricularDelay: found.insert(.nonspecificIntraventricularConductionDisorder)
        }
        if profile.hasLeftAnteriorFascicularBlock { found.insert(.leftAnteriorFascicularBlock) }
        if truth.beats.contains(where: { $0.kind == .prematureVentricular }) {
            found.insert(.prematureVentricularContractions)
        }
        if truth.beats.contains(where: { $0.kind == .prematureAtrial }) {
            found.insert(.prematureAtrialContractions)
        }
        if truth.qrsAxis < -30 { found.insert(.leftAxisDeviation) }
        if truth.qrsAxis > 90 { found.insert(.rightAxisDeviation) }
        if truth.limbLeadQRSAmplitude < 0.5 { found.insert(.lowQRSVoltages) }
        if truth.correctedQTInterval > 0.46 { found.insert(.prolongedQTInterval) }
        if profile.tWaveInversion != nil { found.insert(.tWaveInversion) }
        if profile.hasFlatTWaves { found.insert(.tWaveAbnormal) }
        if profile.hasAnteriorQWaves { found.insert(.qWaveAbnormal) }
        return ECGCondition.allCases.filter(found.contains)
    }
}

/// Why an `ECGSimulator` could not be configured.
public enum ECGSimulatorError: Error, CustomStringConvertible, Equatable {
    /// The sampling rate is not a number in the supported range.
    case unsupportedSamplingRate(Double)
    /// The duration is not a number of seconds in the supported range.
    case unsupportedDuration(Double)
    /// The powerline frequency is not positive or not below the Nyquist frequency.
    case unsupportedPowerlineFrequency(Double, samplingRate: Double)
    /// A class weight is negative or not a number.
    case invalidClassWeight(String, Double)
    /// A class-weights file could not be read as text.
    case unreadableClassWeights(String)
    /// A line of a class-weights file is not `CLASS WEIGHT` with a weight of 0 or more.
    case badClassWeightLine(String, line: Int, String)
    /// A class-weights file names a class the simulator does not draw.
    case unknownWeightedClass(String, line: Int, String)

    public var description: String {
        switch self {
        case let .unsupportedSamplingRate(rate):
            "ECG simulator: sampling rate \(rate) Hz is not supported; "
                + "choose one in \(ECGSimulator.Configuration.samplingRates) Hz (500 Hz is the CinC standard)."
        case let .unsupportedDuration(duration):
            "ECG simulator: duration \(duration) s is not supported; "
                + "choose one in \(ECGSimulator.Configuration.durations) s (10 s is the CinC standard)."
        case let .unsupportedPowerlineFrequency(frequency, rate):
            "ECG simulator: powerline frequency \(frequency) Hz cannot be drawn at \(rate) Hz sampling; "
                + "use 50 or 60 Hz with a sampling rate above twice that, or none."
        case let .invalidClassWeight(name, weight):
            "ECG simulator: class weight \(weight) for \(name) is not a number of 0 or more (0 never draws the class, 1 is the default)."
        case let .unreadableClassWeights(path):
            "ECG simulator: cannot read the class-weights file \(path) as text; give a file of CLASS WEIGHT lines."
        case let .badClassWeightLine(path, line, text):
            "ECG simulator: \(path) line \(line) ('\(text)') is not CLASS WEIGHT with a weight of 0 or more, e.g. 'PAC 3'."
        case let .unknownWeightedClass(path, line, name):
            "ECG simulator: \(path) line \(line) names '\(name)', which is not a simulated class; use one of "
                + ECGCondition.allCases.map(\.abbreviation).joined(separator: ", ") + " (or its SNOMED-CT code)."
        }
    }
}
