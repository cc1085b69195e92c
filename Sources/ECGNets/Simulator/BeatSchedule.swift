import DistTensor
import Foundation

/// When each ventricular beat and each sinus P wave of a record happens.
///
/// The schedule starts a few seconds before the record (so the record opens mid-rhythm, with the T wave of an
/// earlier beat) and runs past its end. Sinus rhythm follows ECGSYN's RR process; atrial fibrillation has
/// independent, log-normally distributed RR intervals (irregularly irregular); flutter conducts every 2nd, 3rd
/// or 4th flutter wave (fixed or variable block). Ventricular premature beats interrupt sinus rhythm early; the
/// sinus node is not reset, so the P wave due next still fires (hidden in the premature beat), its conduction is
/// blocked, and the next conducted beat comes on time: a full compensatory pause of two sinus cycles. Atrial
/// premature beats do reset the sinus node: an early ectopic P wave is conducted, and the next sinus P comes
/// about one sinus cycle after it, so the pause is less than compensatory. A junctional escape rhythm is regular
/// without P waves; a paced rhythm paces the ventricles an AV delay after every sinus P wave.
struct BeatSchedule {
    typealias Kind = SimulatedECGTruth.BeatKind

    /// A ventricular beat.
    struct Beat {
        /// QRS onset (for a paced beat, the pacing spike), in seconds from the record's start (negative before it).
        var qrsOnset: Double
        var kind: Kind
        /// Factor on every wave of the beat: respiratory modulation and beat-to-beat jitter.
        var amplitudeScale: Double
    }

    var beats: [Beat]
    /// Onsets of sinus P waves, in seconds from the record's start (empty without sinus P waves).
    var pWaveOnsets: [Double]
    /// Onsets of the ectopic P waves of atrial premature beats.
    var ectopicPWaveOnsets: [Double] = []
    /// In flutter, the time of one flutter wave's sharp turn, from which the others follow every cycle length.
    var flutterWaveTime: Double?

    /// Seconds of rhythm generated before the record starts.
    static let leadIn = 3.0
    /// Shortest coupling interval of a premature beat, in seconds.
    static let minimumCoupling = 0.4
    /// Largest range (longest minus shortest) of the sinus RR intervals in a record without sinus arrhythmia,
    /// in seconds: below the 0.12 s that is often taken as its threshold, and well below the 0.16 s used here.
    static let regularRange = 0.1
    /// Range of the sinus RR intervals drawn for sinus arrhythmia, in seconds.
    static let arrhythmiaRange = 0.3...0.5

    /// The schedule of a record of `duration` seconds; `breathing` is the respiratory frequency in Hz.
    static func draw(for profile: ClinicalProfile, duration: Double, breathing: Double,
                     using random: inout RandomStream) -> BeatSchedule {
        let onsetsAndP: (onsets: [Double], pWaves: [Double])
        var flutterWaveTime: Double?
        switch profile.rhythm {
        case .sinus:
            onsetsAndP = sinusRhythm(profile, duration: duration, breathing: breathing, using: &random)
        case .junctional:
            onsetsAndP = (sinusRhythm(profile, duration: duration, breathing: breathing, using: &random).onsets, [])
        case let .paced(delay):
            let onsets = sinusRhythm(profile, duration: duration, breathing: breathing, using: &random).onsets
            onsetsAndP = (onsets, onsets.map { $0 - delay })
        case .atrialFibrillation:
            onsetsAndP = (fibrillation(profile, duration: duration, using: &random), [])
        case let .atrialFlutter(cycleLength, ratios):
            let flutterWaves = flutter(cycleLength: cycleLength, ratios: ratios, duration: duration, using: &random)
            onsetsAndP = (flutterWaves.onsets, [])
            flutterWaveTime = flutterWaves.firstWave
        }
        let breathingPhase = random.phase()
        let modulationDepth = random.uniform(0.02...0.06)
        let kind: Kind = profile.isPaced ? .paced : .supraventricular
        var beats = onsetsAndP.onsets.map { onset in
            Beat(qrsOnset: onset, kind: kind,
                 amplitudeScale: (1 + modulationDepth * sin(2 * Double.pi * breathing * onset + breathingPhase))
                     * (1 + 0.015 * random.nextNormal()))
        }
        var pWaves = onsetsAndP.pWaves
        var ectopicPWaves: [Double] = []
        if profile.hasPrematureVentricularContractions {
            insertPrematureBeats(into: &beats, profile: profile, duration: duration, using: &random)
        }
        if profile.hasPrematureAtrialContractions {
            insertPrematureAtrialBeats(into: &beats, pWaves: &pWaves, ectopicPWaves: &ectopicPWaves, profile: profile,
                                       duration: duration, using: &random)
        }
        return BeatSchedule(beats: beats, pWaveOnsets: pWaves, ectopicPWaveOnsets: ectopicPWaves,
                            flutterWaveTime: flutterWaveTime)
    }

    /// Sinus QRS onsets and P onsets (PR interval apart) with ECGSYN's heart-rate variability, run on 4 s past
    /// the record's end (atrial premature beats pull later beats in). The range of the RR intervals inside the
    /// record is kept at most `regularRange`, or, with sinus arrhythmia, respiratory modulation (the high-
    /// frequency peak dominating) is scaled to a range in `arrhythmiaRange` (at most half the mean cycle
    /// where that is larger than its lower end).
    private static func sinusRhythm(_ profile: ClinicalProfile, duration: Double, breathing: Double,
                                    using random: inout RandomStream) -> (onsets: [Double], pWaves: [Double]) {
        let end = duration + 4
        let count = Int(((leadIn + end) / profile.meanRR).rounded(.up)) + 2
        // Variability falls as the rate rises; escape and paced rhythms vary little.
        let regular = !profile.rhythm.isSinusRhythm
        let variation = regular ? random.uniform(0.003...0.01)
            : profile.meanRR < 0.55 ? random.uniform(0.008...0.025) : random.uniform(0.015...0.045)
        var intervals = HeartRateVariability.intervals(
            count: count, meanRR: profile.meanRR, variation: variation, respiratoryFrequency: breathing,
            lowToHighRatio: profile.hasSinusArrhythmia ? 0.05 : HeartRateVariability.lowToHighRatio, using: &random)
        let start = -leadIn + random.uniform(0...1) * profile.meanRR
        func onsets(_ intervals: [Double]) -> [Double] {
            var onset = start
            var onsets: [Double] = []
            for interval in intervals where onset < end {
                onsets.append(onset)
                onset += interval
            }
            return onsets
        }
        let wanted = profile.hasSinusArrhythmia
            ? min(random.uniform(arrhythmiaRange), max(arrhythmiaRange.lowerBound, 0.5 * profile.meanRR)) : nil
        // Scaling every interval's deviation from the mean scales the range; a few rounds settle which beats
        // fall inside the record.
        for _ in 0..<4 {
            let inside = onsets(intervals).filter { $0 >= 0 && $0 < duration }
            let gaps = zip(inside.dropFirst(), inside).map { $0 - $1 }
            guard let longest = gaps.max(), let shortest = gaps.min(), longest > shortest else { break }
            let range = longest - shortest
            let factor: Double
            if let wanted {
                guard abs(range - wanted) > 0.005 else { break }
                factor = wanted / range
            } else {
                guard range > regularRange else { break }
                factor = 0.98 * regularRange / range
            }
            intervals = intervals.map { profile.meanRR + ($0 - profile.meanRR) * factor }
        }
        // The few cycles inside the record need not average to the drawn mean (with sinus arrhythmia's wide
        // swings they can miss it by several bpm); scaling them to it keeps the rate class's guard band.
        let inside = onsets(intervals).filter { $0 >= 0 && $0 < duration }
        if let first = inside.first, let last = inside.last, inside.count > 2 {
            let factor = profile.meanRR / ((last - first) / Double(inside.count - 1))
            intervals = intervals.map { $0 * factor }
        }
        let result = onsets(intervals)
        return (result, result.map { $0 - profile.prInterval })
    }

    /// QRS onsets of atrial fibrillation: independent log-normal RR intervals (coefficient of variation about
    /// 0.18–0.30), none shorter than the QT interval plus 80 ms (a shorter draw is drawn again).
    private static func fibrillation(_ profile: ClinicalProfile, duration: Double,
                                     using random: inout RandomStream) -> [Double] {
        let sigma = random.uniform(0.18...0.3)
        let shortest = max(0.3, profile.qtInterval + 0.08)
        var onset = -leadIn + random.uniform(0...1) * profile.meanRR
        var onsets: [Double] = []
        while onset < duration + 1 {
            onsets.append(onset)
            var interval = 0.0
            for _ in 0..<20 where interval < shortest {
                interval = profile.meanRR * exp(sigma * random.nextNormal() - sigma * sigma / 2)
            }
            onset += max(shortest, interval)
        }
        return onsets
    }

    /// QRS onsets of atrial flutter, an AV delay after every `ratio`-th flutter wave (the ratio drawn per beat),
    /// and the time of the first flutter wave.
    private static func flutter(cycleLength: Double, ratios: [Int], duration: Double,
                                using random: inout RandomStream) -> (onsets: [Double], firstWave: Double) {
        let delay = random.uniform(0.2...0.28)
        let firstWave = -leadIn + random.uniform(0...1) * cycleLength
        var onset = firstWave + delay
        var onsets: [Double] = []
        while onset < duration + 1 {
            onsets.append(onset)
            onset += Double(ratios[random.pick(weights: ratios.map { _ in 1 })]) * cycleLength
        }
        return (onsets, firstWave)
    }

    /// Puts one to three premature beats into the record, each at least three beats from the next, each early
    /// by a coupling interval of 50–70 % of the sinus cycle or of the mean cycle in fibrillation (at least
    /// `minimumCoupling`). In sinus rhythm it replaces
    /// the next conducted beat (compensatory pause); in fibrillation it is followed by a pause of 1.0–1.4 mean
    /// cycles, after which the rhythm continues.
    private static func insertPrematureBeats(into beats: inout [Beat], profile: ClinicalProfile, duration: Double,
                                             using random: inout RandomStream) {
        let wanted = [1, 2, 3][random.pick(weights: [0.3, 0.4, 0.3])]
        // Candidates: a beat inside the record whose premature follower and the beat after the pause also are.
        var candidates = beats.indices.filter { index in
            beats[index].qrsOnset >= 0.3 && beats[index].qrsOnset + 2.6 * profile.meanRR < duration
                && index + 2 < beats.count
        }
        var chosen: [Int] = []
        while chosen.count < wanted, !candidates.isEmpty {
            let index = candidates.remove(at: Int(random.next() % UInt64(candidates.count)))
            if chosen.allSatisfy({ abs($0 - index) >= 3 }) { chosen.append(index) }
        }
        let isSinus = if case .sinus = profile.rhythm { true } else { false }
        // From the latest to the earliest, so that shifting later beats leaves earlier indices valid.
        for index in chosen.sorted(by: >) {
            let cycle = isSinus ? beats[index + 1].qrsOnset - beats[index].qrsOnset : profile.meanRR
            let coupling = max(minimumCoupling, random.uniform(0.5...0.7) * cycle)
            let premature = Beat(qrsOnset: beats[index].qrsOnset + coupling, kind: .prematureVentricular,
                                 amplitudeScale: beats[index].amplitudeScale * (1 + 0.02 * random.nextNormal()))
            if isSinus {
                beats[index + 1] = premature
            } else {
                let resumed = premature.qrsOnset + random.uniform(1.0...1.4) * profile.meanRR
                let shift = resumed - beats[index + 1].qrsOnset
                for later in (index + 1)..<beats.count { beats[later].qrsOnset += shift }
                beats.insert(premature, at: index + 1)
            }
        }
    }

    /// Puts one to three atrial premature beats into sinus rhythm (the criteria of Surawicz and Knilans, Chou's
    /// Electrocardiography in Clinical Practice, 6th ed., 2008, ch. 17; and the AHA/ACCF/HRS statement list,
    /// Mason et al., Circulation 115:1325–1332, 2007): an ectopic P wave 55–70 % of the sinus cycle after the last
    /// sinus P (later where the ventricles would still be refractory, see below),
    /// conducted with a PR of 100–112 % of the sinus PR to a normal QRS, after which the reset sinus node fires
    /// again 1.00–1.08 sinus cycles after the ectopic P. The cycles around the premature beat then add up to
    /// 1.55–1.78 sinus cycles: a non-compensatory pause. `pWaves` must still be aligned with `beats`.
    private static func insertPrematureAtrialBeats(into beats: inout [Beat], pWaves: inout [Double],
                                                   ectopicPWaves: inout [Double], profile: ClinicalProfile,
                                                   duration: Double, using random: inout RandomStream) {
        let wanted = [1, 2, 3][random.pick(weights: [0.2, 0.4, 0.4])]
        var candidates = beats.indices.filter { index in
            beats[index].qrsOnset >= 0.3 && beats[index].qrsOnset + 2.6 * profile.meanRR < duration
                && index + 2 < beats.count && index + 2 < pWaves.count
        }
        var chosen: [Int] = []
        while chosen.count < wanted, !candidates.isEmpty {
            let index = candidates.remove(at: Int(random.next() % UInt64(candidates.count)))
            if chosen.allSatisfy({ abs($0 - index) >= 3 }) { chosen.append(index) }
        }
        for index in chosen.sorted(by: >) {
            let cycle = pWaves[index + 1] - pWaves[index]
            let nextCycle = pWaves[index + 2] - pWaves[index + 1]
            let pr = profile.prInterval * random.uniform(1.0...1.12)
            // Conducted with a normal QRS only once the ventricles have recovered: the premature QRS comes at
            // least 80 ms after the previous T wave ends (earlier, it would be blocked or aberrant); a PAC that
            // would have to wait past 65 % of the cycle is left out (its pause would be nearly compensatory).
            let recovered = beats[index].qrsOnset + profile.qtInterval + 0.08 - pr
            let drawn = pWaves[index] + random.uniform(0.55...0.7) * cycle
            let ectopic = max(drawn, recovered)
            guard ectopic == drawn || ectopic <= pWaves[index] + 0.65 * cycle else { continue }
            let shift = ectopic + random.uniform(1.0...1.08) * nextCycle - pWaves[index + 2]
            for later in (index + 2)..<beats.count { beats[later].qrsOnset += shift }
            for later in (index + 2)..<pWaves.count { pWaves[later] += shift }
            beats[index + 1] = Beat(qrsOnset: ectopic + pr, kind: .prematureAtrial,
                                    amplitudeScale: beats[index].amplitudeScale * (1 + 0.02 * random.nextNormal()))
            pWaves.remove(at: index + 1)
            ectopicPWaves.append(ectopic)
        }
        ectopicPWaves.sort()
    }
}
