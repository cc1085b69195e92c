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
    }

    /// How the ventricles are activated by a conducted beat.
    enum Conduction {
        case normal, rightBundleBranchBlock, leftBundleBranchBlock
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

    /// Draws a profile; every number comes from `random`, so a profile is a pure function of its stream.
    static func draw(using random: inout RandomStream) -> ClinicalProfile {
        let age = Int(min(max((58 + 17 * random.nextNormal()).rounded(), 18), 95))
        let isMale = random.chance(0.52)
        let odds = PrevalenceModel(age: Double(age), isMale: isMale)

        let isFibrillation = random.chance(odds.probability(0.12, perDecade: 1.8, male: 1.5))
        let isFlutter = !isFibrillation && random.chance(odds.probability(0.045, perDecade: 1.4, male: 1.5))

        var conduction = Conduction.normal
        let rightBlock = odds.probability(0.09, perDecade: 1.4, male: 1.6)
        let leftBlock = odds.probability(0.065, perDecade: 1.5, male: 1.0)
        let blockDraw = random.nextUnitDouble()
        if blockDraw < rightBlock {
            conduction = .rightBundleBranchBlock
        } else if blockDraw < rightBlock + leftBlock {
            conduction = .leftBundleBranchBlock
        }

        let rhythm: Rhythm
        var meanRR: Double
        var prInterval = random.uniform(0.13...0.19)
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
        } else {
            rhythm = .sinus
            switch random.pick(weights: [0.72, 0.15, 0.13]) {
            case 1: meanRR = 60 / random.uniform(40...55)
            case 2: meanRR = 60 / random.uniform(108...145)
            default: meanRR = 60 / random.uniform(62...97)
            }
            if random.chance(odds.probability(0.10, perDecade: 1.3, male: 1.3)) {
                prInterval = random.uniform(0.22...0.32)
            }
        }

        let qrsDuration = switch conduction {
        case .normal: random.uniform(0.075...0.1)
        case .rightBundleBranchBlock: random.uniform(0.14...0.17)
        case .leftBundleBranchBlock: random.uniform(0.14...0.18)
        }

        let isLongQT = random.chance(odds.probability(0.09, perDecade: 1.2, male: 0.75))
        // A bundle branch block lengthens the QT by its wider QRS, so its normal QTc sits higher.
        let normalCorrectedQT = conduction == .normal ? 0.37...0.44 : 0.41...0.445
        let correctedQT = isLongQT ? random.uniform(0.48...0.55) : random.uniform(normalCorrectedQT)
        var qtInterval = max(correctedQT * meanRR.squareRoot(), qrsDuration + minimumJTInterval)
        if isFibrillation {
            // Irregular RR intervals need room above the shortest one (QT + 80 ms, see `BeatSchedule`): a fast
            // ventricular response is slowed until that is at most 65 % of the mean.
            for _ in 0..<4 where qtInterval + 0.08 > 0.65 * meanRR {
                meanRR = (qtInterval + 0.08) / 0.65
                qtInterval = max(correctedQT * meanRR.squareRoot(), qrsDuration + minimumJTInterval)
            }
        }

        // Normal, left and right axis; a left axis often comes with LBBB (and with RBBB as bifascicular block),
        // and is more common with age, a right axis less.
        let axisWeights: [Double]
        switch conduction {
        case .leftBundleBranchBlock: axisWeights = [0.58, 0.40, 0.02]
        case .rightBundleBranchBlock: axisWeights = [0.72, 0.20, 0.08]
        case .normal:
            let left = odds.probability(0.10, perDecade: 1.3, male: 1.2)
            let right = odds.probability(0.05, perDecade: 0.8, male: 1.0)
            axisWeights = [1 - left - right, left, right]
        }
        let targetAxis = switch random.pick(weights: axisWeights) {
        case 1: random.uniform(-85 ... -45)
        case 2: random.uniform(105...165)
        default: random.uniform(-15...75)
        }

        // Premature beats need room for a coupling interval of at least 0.4 s (`BeatSchedule.minimumCoupling`)
        // at no more than 70 % of the cycle, so not above 105 bpm; flutter is drawn without them.
        let roomForPrematureBeats = meanRR >= BeatSchedule.minimumCoupling / 0.7 && !isFlutter
        let hasPVCs = roomForPrematureBeats && random.chance(odds.probability(0.09, perDecade: 1.3, male: 1.3))
        let hasLowVoltage = random.chance(odds.probability(0.06, perDecade: 1.2, male: 1.0))
        // Discordant T waves are part of the LBBB pattern and are not coded as T inversion (the Minnesota Code,
        // for one, suppresses T-wave codes in complete LBBB), so no primary inversion is added to an LBBB.
        let tWaveInversion: TWaveInversion? = conduction != .leftBundleBranchBlock && random.chance(0.09)
            ? TWaveInversion.allCases[random.pick(weights: [1, 1, 1])] : nil

        return ClinicalProfile(age: age, isMale: isMale, rhythm: rhythm, conduction: conduction,
                               hasPrematureVentricularContractions: hasPVCs, hasLowQRSVoltage: hasLowVoltage,
                               tWaveInversion: tWaveInversion, meanRR: meanRR, prInterval: prInterval,
                               qrsDuration: qrsDuration, qtInterval: qtInterval, targetAxis: targetAxis)
    }
}

/// Turns a prevalence at age 60 into one for a given age and sex through odds ratios per decade and for men.
private struct PrevalenceModel {
    let age: Double
    let isMale: Bool

    /// The probability of a finding whose prevalence at 60 (averaged over sexes) is `atSixty`.
    func probability(_ atSixty: Double, perDecade: Double, male: Double) -> Double {
        let sexFactor = isMale ? male.squareRoot() : 1 / male.squareRoot()
        let odds = atSixty / (1 - atSixty) * pow(perDecade, (age - 60) / 10) * sexFactor
        return odds / (1 + odds)
    }
}
