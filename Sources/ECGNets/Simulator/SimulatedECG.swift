import Foundation

/// One simulated 12-lead recording: the signals, the labels of what was drawn, and the ground truth behind them.
public struct SimulatedECG: Sendable {
    /// Lead names in the order of `leads`.
    public static let leadNames = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]

    /// Twelve signals of `sampleCount` samples each, in millivolts, in the order of `leadNames`.
    public let leads: [[Float]]
    /// Samples per second of every lead.
    public let samplingRate: Double
    /// Length of the recording in seconds.
    public let duration: Double
    /// The findings drawn into the signals, in the order of `ECGCondition.allCases`.
    public let conditions: [ECGCondition]
    /// Age of the simulated patient in years.
    public let age: Int
    /// "Male" or "Female", as a CinC header's `# Sex:` line spells it.
    public let sex: String
    /// The intervals, beats and axis the simulator used, for checking measurements against.
    public let truth: SimulatedECGTruth

    /// SNOMED-CT codes of `conditions`, as a header's `# Dx:` line lists them.
    public var dxCodes: [String] { conditions.map(\.snomedCode) }

    /// Samples per lead.
    public var sampleCount: Int { leads.first?.count ?? 0 }
}

/// What the simulator actually drew into a record, in seconds, degrees and millivolts.
public struct SimulatedECGTruth: Sendable {
    /// The mechanism that drives the ventricles.
    public enum Rhythm: String, Sendable {
        case sinus, atrialFibrillation, atrialFlutter
        /// A regular junctional escape rhythm without P waves.
        case junctional
        /// Ventricular pacing after every sinus P wave.
        case paced
    }

    /// Where a ventricular beat came from.
    public enum BeatKind: String, Sendable {
        /// Conducted from the atria through the AV node (sinus, fibrillation or flutter).
        case supraventricular
        /// An early beat from a ventricular focus (a PVC).
        case prematureVentricular
        /// An early beat from an ectopic atrial focus, conducted (a PAC).
        case prematureAtrial
        /// A beat paced at the right-ventricular apex (its onset is the pacing spike).
        case paced
    }

    /// One ventricular beat whose QRS starts inside the record.
    public struct Beat: Sendable, Equatable {
        /// Start of the QRS complex, in seconds from the start of the record.
        public let qrsOnset: Double
        public let kind: BeatKind
    }

    public let rhythm: Rhythm
    /// Ventricular beats whose QRS onset lies inside the record, in time order.
    public let beats: [Beat]
    /// Intervals between consecutive `beats`, in seconds.
    public let rrIntervals: [Double]
    /// 60 / mean RR interval, in beats per minute.
    public let meanHeartRate: Double
    /// QRS duration of the conducted (non-premature) beats, in seconds: from where the first QRS wave rises to
    /// where the last one has fallen back (each at 4.4 % of its peak, about where a deflection stops showing).
    public let qrsDuration: Double
    /// P onset to QRS onset of sinus beats (onsets as for `qrsDuration`), in seconds; nil without P waves.
    public let prInterval: Double?
    /// QRS onset to T end (the tangent-method end of the T wave), in seconds.
    public let qtInterval: Double
    /// QT corrected with Bazett's formula (QT / sqrt(mean RR)), in seconds.
    public let correctedQTInterval: Double
    /// Frontal QRS axis in degrees, from the net QRS areas of leads I and aVF (hexaxial convention).
    public let qrsAxis: Double
    /// The largest QRS peak-to-peak amplitude among the six limb leads of a noise-free conducted beat, in mV.
    public let limbLeadQRSAmplitude: Double
    /// Atrial rate of fibrillation or flutter waves, per minute; nil in sinus rhythm.
    public let atrialRate: Double?
    /// Names of the leads whose T wave (of a noise-free conducted beat) is negative.
    public let negativeTWaveLeads: [String]
    /// Longest minus shortest sinus cycle (between consecutive sinus beats away from premature ones), in
    /// seconds; 0 without sinus rhythm.
    public let sinusRRRange: Double
    /// Times of the pacing spikes inside the record, in seconds.
    public let pacingSpikes: [Double]
    /// The recording faults drawn (none unless the simulator's configuration asks for artifacts).
    public internal(set) var artifacts = RecordingArtifacts()
}

extension SimulatedECG {
    /// This simulation as an `ECGRecord` named `id` in `directory`, with its drawn conditions as Dx codes, so
    /// the record writer can store it in the Challenge format.
    public func record(id: String, in directory: URL) -> ECGRecord {
        ECGRecord(id: id, samplingFrequency: samplingRate, leadNames: SimulatedECG.leadNames, signals: leads,
                  diagnosisCodes: dxCodes, age: Double(age), sex: ECGSex(headerText: sex) ?? .unknown,
                  sourceDirectory: directory)
    }
}
