import DistTensor
import Foundation

/// The clinical picture of one simulated record: the patient, the findings to draw and their target intervals.
///
/// Prevalences are enriched over a general population so every class is common enough to learn, and they
/// depend on age and sex the way epidemiology says they should (atrial fibrillation and bundle branch blocks
/// grow with age and are more common in men, a long QT is more common in women). Targets keep a guard band
/// around each diagnostic threshold (e.g. a bradycardia is drawn at 40–55 bpm, a normal rate at 62–97 bpm, a
/// normal axis at −15° to +75° and a deviated one beyond −45° or +105°) so that a record's labels stay true
/// after heart-rate variability, noise and measurement error.
struct ClinicalProfile {
    /// The mechanism that drives the ventricles, with what the beat schedule needs to know about it.
    enum Rhythm {
        case sinus
        case atrialFibrillation
        /// Regular flutter waves every `cycleLength` seconds, conducted every `ratios` flutter waves (one of them
        /// chosen at random per beat when there are several, i.e. variable conduction).
        case atrialFlutter(cycleLength: Double, ratios: [Int])
        /// A regular junctional escape rhythm below 60 bpm without P waves: a bradycardia that is not sinus.
        case junctional
        /// Dual-chamber pacing that tracks the sinus P waves and paces the right-ventricular apex after an AV
        /// delay of `atrioventricularDelay` seconds.
        case paced(atrioventricularDelay: Double)
    }

    /// How the ventricles are activated by a conducted beat.
    enum Conduction {
        case normal, rightBundleBranchBlock, leftBundleBranchBlock, incompleteRightBundleBranchBlock
        case nonspecificIntraventricularDelay

        /// Whether the QRS is 120 ms or wider (the complete blocks and the nonspecific delay).
        var isWide: Bool { self != .normal && self != .incompleteRightBundleBranchBlock }
    }

    /// Where primary T-wave inversion is drawn.
    enum TWaveInversion: CaseIterable {
        /// V1–V4.
        case anterior
        /// II, III, aVF.
        case inferior
        /// I, aVL, V5–V6.
        case lateral
    }

    var age: Int
    var isMale: Bool
    var rhythm: Rhythm
    var conduction: Conduction
    var hasPrematureVentricularContractions: Bool
    /// Premature atrial beats (sinus rhythm only, never together with ventricular ones).
    var hasPrematureAtrialContractions: Bool
    /// Respiratory sinus arrhythmia strong enough to be coded (sinus rhythm without premature beats).
    var hasSinusArrhythmia: Bool
    /// Left anterior fascicular block: superior axis from initial inferior and main superior-left forces.
    var hasLeftAnteriorFascicularBlock: Bool
    /// Pathological anterior Q waves (an old anterior infarct).
    var hasAnteriorQWaves: Bool
    /// Flat, low T waves (a nonspecific T-wave abnormality).
    var hasFlatTWaves: Bool
    var hasLowQRSVoltage: Bool
    var tWaveInversion: TWaveInversion?
    /// Target mean ventricular RR interval, in seconds.
    var meanRR: Double
    /// P onset to QRS onset, in seconds (used in sinus rhythm only).
    var prInterval: Double
    /// QRS duration of conducted beats, in seconds.
    var qrsDuration: Double
    /// QRS onset to T end at `meanRR`, in seconds.
    var qtInterval: Double
    /// Target frontal QRS axis, in degrees.
    var targetAxis: Double

    /// Shortest JT interval (QRS end to T end) drawn, so the T wave never runs into the QRS complex.
    static let minimumJTInterval = 0.15

    var isPaced: Bool { if case .paced = rhythm { true } else { false } }

    /// Draws a profile; every number comes from `random`, so a profile is a pure function of its stream.
    ///
    /// `weights` multiplies the odds of each finding where it is drawn (absent classes weigh 1; 0 never draws
    /// it), so a user can choose the mix: see `ECGSimulator.Configuration.classWeights`.
    static func draw(weights: [ECGCondition: Double] = [:], using random: inout RandomStream) -> ClinicalProfile {
        let age = Int(min(max((58 + 17 * random.nextNormal()).rounded(), 18), 95))
        let isMale = random.chance(0.52)
        let odds = PrevalenceModel(age: Double(age), isMale: isMale, weights: weights)

        let isFibrillation = random.chance(odds.probability(0.12, perDecade: 1.8, male: 1.5, of: .atrialFibrillation))
        let isFlutter = !isFibrillation && random.chance(odds.probability(0.045, perDecade: 1.4, male: 1.5, of: .atrialFlutter))
        let isPaced = !isFibrillation && !isFlutter && random.chance(odds.probability(0.07, perDecade: 1.6, male: 1.2, of: .pacingRhythm))
        let isJunctional = !isFibrillation && !isFlutter && !isPaced
            && random.chance(odds.probability(0.09, perDecade: 1.3, male: 1.0, of: .bradycardia))

        var conduction = Conduction.normal
        var blocks: [(Conduction, Double)] = [
            (.rightBundleBranchBlock, odds.probability(0.09, perDecade: 1.4, male: 1.6, of: .rightBundleBranchBlock)),
            (.leftBundleBranchBlock, odds.probability(0.065, perDecade: 1.5, male: 1.0, of: .leftBundleBranchBlock)),
            (.incompleteRightBundleBranchBlock,
             odds.probability(0.065, perDecade: 1.0, male: 1.8, of: .incompleteRightBundleBranchBlock)),
            (.nonspecificIntraventricularDelay,
             odds.probability(0.07, perDecade: 1.3, male: 1.3, of: .nonspecificIntraventricularConductionDisorder)),
        ]
        // The blocks exclude each other; heavy weights could ask for more than every record.
        let blockTotal = blocks.reduce(0) { $0 + $1.1 }
        if blockTotal > 0.9 { blocks = blocks.map { ($0.0, $0.1 * 0.9 / blockTotal) } }
        var blockDraw = random.nextUnitDouble()
        for (block, probability) in blocks {
            if blockDraw < probability { conduction = block; break }
            blockDraw -= probability
        }
        if isPaced { conduction = .normal }

        let rhythm: Rhythm
        var meanRR: Double
        var prInterval = Population.prInterval.draw(using: &random)
        if isFibrillation {
            rhythm = .atrialFibrillation
            meanRR = 60 / random.uniform(60...140)
        } else if isFlutter {
            // Typical flutter: atrial rate 250–315 per minute with 2:1, 3:1, 4:1 or variable block.
            let cycleLength = random.uniform(0.19...0.24)
            let patterns: [[Int]] = [[2], [3], [4], [2, 4], [3, 4]]
            let ratios = patterns[random.pick(weights: [0.35, 0.05, 0.3, 0.2, 0.1])]
            rhythm = .atrialFlutter(cycleLength: cycleLength, ratios: ratios)
            meanRR = cycleLength * Double(ratios.reduce(0, +)) / Double(ratios.count)
        } else if isPaced {
            rhythm = .paced(atrioventricularDelay: random.uniform(0.12...0.18))
            meanRR = 60 / random.uniform(60...85)
        } else if isJunctional {
            // Junctional escape rhythm: 40–60 per minute; drawn below 56 for the < 60 bpm criterion.
            rhythm = .junctional
            meanRR = 60 / random.uniform(38...55)
        } else {
            rhythm = .sinus
            switch random.pick(weights: odds.weighted([0.72, 0.15, 0.13], [.sinusRhythm, .sinusBradycardia, .sinusTachycardia])) {
            case 1: meanRR = 60 / random.uniform(40...55)
            case 2: meanRR = 60 / random.uniform(108...145)
            default: meanRR = 60 / Population.heartRate.draw(using: &random)
            }
            if random.chance(odds.probability(0.10, perDecade: 1.3, male: 1.3, of: .firstDegreeAVBlock)) {
                prInterval = random.uniform(0.22...0.32)
            }
        }

        // Surawicz et al. 2009 (AHA/ACCF/HRS recommendations, part III): complete blocks 120 ms or more,
        // incomplete RBBB 110–120 ms, a nonspecific delay above 110 ms; drawn inside those ranges.
        let qrsDuration = switch conduction {
        case .normal: Population.qrsDuration.draw(using: &random)
        case .rightBundleBranchBlock: random.uniform(0.14...0.17)
        case .leftBundleBranchBlock: random.uniform(0.14...0.18)
        case .incompleteRightBundleBranchBlock: random.uniform(0.108...0.116)
        case .nonspecificIntraventricularDelay: random.uniform(0.14...0.17)
        }

        // Not in fibrillation, whose varying cycles make a QTc by Bazett's formula unreliable (and whose shortest
        // cycle must stay above the QT).
        let longQTDraw = random.chance(odds.probability(0.14, perDecade: 1.2, male: 0.75, of: .prolongedQTInterval))
        let isLongQT = !isPaced && !isFibrillation && longQTDraw
        // A wide QRS lengthens the QT by its width, so its normal QTc sits higher.
        let correctedQT = isLongQT ? random.uniform(0.5...0.6)
            : conduction.isWide || isPaced ? random.uniform(0.41...0.445) : Population.correctedQT.draw(using: &random)
        var qtInterval = max(correctedQT * meanRR.squareRoot(), (isPaced ? 0.18 : qrsDuration) + minimumJTInterval)
        if isFibrillation {
            // Irregular RR intervals need room above the shortest one (QT + 80 ms, see `BeatSchedule`): a fast
            // ventricular response is slowed until that is at most 65 % of the mean.
            for _ in 0..<4 where qtInterval + 0.08 > 0.65 * meanRR {
                meanRR = (qtInterval + 0.08) / 0.65
                qtInterval = max(correctedQT * meanRR.squareRoot(), qrsDuration + minimumJTInterval)
            }
        }

        // Normal, left (moderate, −30° to −45°, or from a left anterior fascicular block, −45° to −90°) and right
        // axis; a left axis often comes with LBBB (and with RBBB as bifascicular block, RBBB + LAnFB), and is
        // more common with age, a right axis less. A moderate left axis is drawn in sinus rhythm only, where the
        // measured axis is within a few degrees of the drawn one (f waves move it more).
        let axisWeights: [Double]
        switch conduction {
        case .leftBundleBranchBlock: axisWeights = [0.58, 0, 0.40, 0.02]
        // RBBB with right axis deviation (with a left posterior fascicular block) is not drawn: rotating the left-
        // ventricular waves to the right cancels the R' in V1 that the RBBB criteria need.
        case .rightBundleBranchBlock: axisWeights = [0.80, 0, 0.20, 0]
        case .nonspecificIntraventricularDelay: axisWeights = [0.95, 0, 0, 0.05]
        case .normal, .incompleteRightBundleBranchBlock:
            let left = odds.probability(0.14, perDecade: 1.3, male: 1.2)
            let right = odds.probability(0.05, perDecade: 0.8, male: 1.0)
            let moderate = isJunctional || !(isFibrillation || isFlutter) ? 0.45 * left : 0
            axisWeights = [1 - left - right, moderate, left - moderate, right]
        }
        // Kinds 1 and 2 are left axis deviation, kind 2 also the fascicular block's axis; kind 3 right deviation.
        let axisKind = random.pick(weights: odds.weighted(axisWeights, [nil, .leftAxisDeviation, .leftAxisDeviation, .rightAxisDeviation],
                                                          alsoWeighting: 2, by: .leftAnteriorFascicularBlock))
        let targetAxis = switch axisKind {
        case 1: random.uniform(-42 ... -35)
        case 2: random.uniform(-85 ... -50)
        case 3: random.uniform(105...165)
        default: Population.axis.draw(using: &random)
        }
        // Surawicz et al. 2009: LAnFB is a frontal axis of −45° to −90° with qR in aVL and rS in II, III and aVF;
        // drawn with its initial inferior forces in normal conduction and with a (complete or incomplete) RBBB.
        let hasFascicularBlock = axisKind == 2 && conduction != .leftBundleBranchBlock && !isPaced

        // Premature beats need room for a coupling interval of at least 0.4 s (`BeatSchedule.minimumCoupling`)
        // at no more than 70 % of the cycle, so not above 105 bpm; flutter, pacing and escape rhythms are drawn
        // without them. Atrial ones need P waves: sinus rhythm.
        let roomForPrematureBeats = meanRR >= BeatSchedule.minimumCoupling / 0.7 && !isFlutter && !isPaced && !isJunctional
        let hasPVCs = roomForPrematureBeats && random.chance(odds.probability(0.16, perDecade: 1.3, male: 1.3, of: .prematureVentricularContractions))
        let hasPACs = roomForPrematureBeats && !hasPVCs && rhythm.isSinusRhythm
            && random.chance(odds.probability(0.3, perDecade: 1.4, male: 1.0, of: .prematureAtrialContractions))
        // Respiratory sinus arrhythmia is a finding of normal and slow sinus rates (and of the young).
        let hasSinusArrhythmia = rhythm.isSinusRhythm && meanRR >= 0.6 && !hasPVCs && !hasPACs
            && random.chance(odds.probability(0.25, perDecade: 0.75, male: 1.0, of: .sinusArrhythmia))
        // Not with a nonspecific delay, whose slow complexes would sink into the noise at their edges.
        let hasLowVoltage = !isPaced && conduction != .nonspecificIntraventricularDelay
            && random.chance(odds.probability(0.06, perDecade: 1.2, male: 1.0, of: .lowQRSVoltages))
        // Discordant T waves are part of the LBBB pattern and are not coded as T inversion (the Minnesota Code,
        // for one, suppresses T-wave codes in complete LBBB), so no primary inversion is added to an LBBB.
        let tWaveInversion: TWaveInversion? = conduction != .leftBundleBranchBlock && !isPaced && random.chance(odds.weighted(0.09, .tWaveInversion))
            ? TWaveInversion.allCases[random.pick(weights: [1, 1, 1])] : nil
        // Q-wave criteria do not apply in LBBB (its QS in V1–V3 is not an infarct sign) nor to paced beats.
        let hasQWaves = conduction != .leftBundleBranchBlock && !isPaced && !hasFascicularBlock
            && random.chance(odds.probability(0.1, perDecade: 1.4, male: 1.8, of: .qWaveAbnormal))
        // Flat T waves are measured against their QRS; not drawn where the T wave is already abnormal or damped,
        // nor with a long QT, whose T end a flat T wave would hide (its QT could not be measured).
        let hasFlatTWaves = conduction != .leftBundleBranchBlock && !isPaced && tWaveInversion == nil && !hasLowVoltage
            && !isLongQT
            && random.chance(odds.probability(0.12, perDecade: 1.2, male: 1.0, of: .tWaveAbnormal))

        return ClinicalProfile(age: age, isMale: isMale, rhythm: rhythm, conduction: conduction,
                               hasPrematureVentricularContractions: hasPVCs, hasPrematureAtrialContractions: hasPACs,
                               hasSinusArrhythmia: hasSinusArrhythmia, hasLeftAnteriorFascicularBlock: hasFascicularBlock,
                               hasAnteriorQWaves: hasQWaves, hasFlatTWaves: hasFlatTWaves, hasLowQRSVoltage: hasLowVoltage,
                               tWaveInversion: tWaveInversion, meanRR: meanRR, prInterval: prInterval,
                               qrsDuration: qrsDuration, qtInterval: qtInterval, targetAxis: targetAxis)
    }
}

extension ClinicalProfile.Rhythm {
    var isSinusRhythm: Bool { if case .sinus = self { true } else { false } }
}

/// The spread of normal values between patients, from published reference ranges: Mason et al., "Electrocardiographic
/// reference ranges derived from 79,743 ambulatory subjects", J. Electrocardiol. 40:228–234, 2007, whose 46,129
/// subjects at very low cardiovascular risk had 2nd–98th percentiles of heart rate 48–98 bpm, PR 113–212 ms, QRS
/// 69–109 ms, frontal QRS axis −40° to +91° and Bazett's QTc 361–457 ms. Each is drawn from the normal
/// distribution with those percentiles (mean at the midpoint, 2.054 standard deviations to either end), cut to the
/// guard band of the normal class (a normal-rate sinus rhythm at 62–97 bpm, PR 125–190 ms, QRS 75–100 ms, axis
/// −15° to +75°, QTc 370–440 ms), so that a value drawn as normal is still measured as normal.
enum Population {
    /// A normal distribution cut to `range`.
    struct Measure {
        let mean: Double
        let standardDeviation: Double
        let range: ClosedRange<Double>

        /// The distribution whose 2nd and 98th percentiles are `percentiles`, cut to `range`.
        init(percentiles: ClosedRange<Double>, range: ClosedRange<Double>) {
            mean = (percentiles.lowerBound + percentiles.upperBound) / 2
            standardDeviation = (percentiles.upperBound - percentiles.lowerBound) / (2 * 2.054)
            self.range = range
        }

        /// A value in `range`: the first of up to 16 normal draws inside it, else a uniform one (almost never: about
        /// 80 % of each distribution lies inside its range).
        func draw(using random: inout RandomStream) -> Double {
            for _ in 0..<16 {
                let value = mean + standardDeviation * random.nextNormal()
                if range.contains(value) { return value }
            }
            return random.uniform(range)
        }
    }

    /// Heart rate of a sinus rhythm of normal rate, in bpm.
    static let heartRate = Measure(percentiles: 48...98, range: 62...97)
    /// PR interval without AV block, in seconds.
    static let prInterval = Measure(percentiles: 0.113...0.212, range: 0.125...0.19)
    /// QRS duration of normal conduction, in seconds.
    static let qrsDuration = Measure(percentiles: 0.069...0.109, range: 0.075...0.1)
    /// Frontal QRS axis without axis deviation, in degrees.
    static let axis = Measure(percentiles: -40...91, range: -15...75)
    /// Bazett's QTc of a narrow QRS without a long QT, in seconds.
    static let correctedQT = Measure(percentiles: 0.361...0.457, range: 0.37...0.44)
}

/// Turns a prevalence at age 60 into one for a given age and sex through odds ratios per decade and for men,
/// and multiplies the odds by the user's weight of the finding.
private struct PrevalenceModel {
    let age: Double
    let isMale: Bool
    let weights: [ECGCondition: Double]

    /// The probability of `condition` (unweighted when nil), whose prevalence at 60 (averaged over sexes) is
    /// `atSixty`. First-degree AV block and prolonged PR are one draw (the same PR criterion), weighted by the
    /// geometric mean of both weights.
    func probability(_ atSixty: Double, perDecade: Double, male: Double, of condition: ECGCondition? = nil) -> Double {
        let sexFactor = isMale ? male.squareRoot() : 1 / male.squareRoot()
        let odds = min(atSixty / (1 - atSixty) * pow(perDecade, (age - 60) / 10) * sexFactor * (condition.map(weight) ?? 1), 1e12)
        return odds / (1 + odds)
    }

    /// `probability` with its odds multiplied by `condition`'s weight (exactly `probability` at weight 1, so
    /// the default mix draws the same records as before weights existed).
    func weighted(_ probability: Double, _ condition: ECGCondition) -> Double {
        let weight = weight(of: condition)
        guard weight != 1 else { return probability }
        let odds = min(probability / (1 - probability) * weight, 1e12)
        return odds / (1 + odds)
    }

    /// Pick weights with each outcome's multiplied by its condition's weight (nil: left alone), and outcome
    /// `extra` also by `extraCondition`'s; the unweighted ones if every outcome would weigh 0.
    func weighted(_ pickWeights: [Double], _ conditions: [ECGCondition?], alsoWeighting extra: Int? = nil,
                  by extraCondition: ECGCondition? = nil) -> [Double] {
        var result = zip(pickWeights, conditions).map { $0 * ($1.map(weight) ?? 1) }
        if let extra, let extraCondition { result[extra] *= weight(of: extraCondition) }
        return result.contains { $0 > 0 } ? result : pickWeights
    }

    private func weight(of condition: ECGCondition) -> Double {
        if condition == .firstDegreeAVBlock || condition == .prolongedPRInterval {
            return ((weights[.firstDegreeAVBlock] ?? 1) * (weights[.prolongedPRInterval] ?? 1)).squareRoot()
        }
        return weights[condition] ?? 1
    }
}
