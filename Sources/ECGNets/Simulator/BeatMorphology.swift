import DistTensor
import Foundation

/// The waves of one record's beats, built once from its profile and then placed at every beat.
///
/// Directions are in Frank coordinates (X left, Y feet, Z back) and follow the textbook sequence of activation:
/// septal forces to the right and front (q in I and V6, r in V1), the left-ventricular free wall to the left, down
/// and back (R in I, II, V5–V6, S in V1–V2), basal forces up and back (small S waves). A right bundle branch
/// block adds a slow late wave to the right and front (rsR' in V1, broad S in I and V6); a left bundle branch
/// block reverses the septal forces and spreads activation slowly to the left and back in two waves (no q and a
/// broad notched R in I, aVL, V5–V6, QS in V1). A ventricular premature beat is a wide pair of waves from a
/// ventricular focus with a discordant T wave, a paced beat one from the right-ventricular apex. An incomplete
/// RBBB has a smaller, earlier late wave; a nonspecific intraventricular delay stretches normal activation; a left
/// anterior fascicular block keeps the initial forces inferior and rightward while the main forces turn
/// superior; an old anterior infarct replaces the septal forces by an initial force away from the anterior wall
/// (Q waves in V1–V3). The frontal axis is set by rotating the left-ventricular waves in the frontal plane until
/// the net QRS area has the profile's target axis.
struct BeatMorphology {
    /// P wave, in seconds after P onset.
    var pWave: [DipoleWave]
    /// QRS complex and T wave of a conducted beat, in seconds after QRS onset.
    var conductedBeat: [DipoleWave]
    /// QRS complex and T wave of a ventricular premature beat, in seconds after its QRS onset.
    var prematureBeat: [DipoleWave]
    /// P wave of a premature atrial beat from an ectopic focus, in seconds after its onset.
    var ectopicPWave: [DipoleWave]
    /// QRS complex and T wave of a beat paced at the right-ventricular apex, in seconds after the pacing spike.
    var pacedBeat: [DipoleWave]
    /// Heart-vector direction and size (mV) of the pacing spike.
    var pacingSpike: SIMD3<Double>
    /// QRS duration of a conducted beat, in seconds.
    var qrsDuration: Double
    /// QRS onset to T end of a conducted beat, in seconds.
    var qtInterval: Double
    /// Frontal axis of the conducted QRS's net area, in degrees.
    var qrsAxis: Double
    /// Largest limb-lead peak-to-peak amplitude of the conducted QRS, in mV.
    var limbLeadQRSAmplitude: Double
    /// Indices (in `SimulatedECG.leadNames`) of leads where the conducted T wave is negative.
    var negativeTWaveLeads: [Int]
    /// Factor on atrial activity (P, f or F waves): below 1 when a low-voltage record damps every wave.
    var atrialScale: Double

    /// Limb-lead QRS amplitude drawn for low-voltage records (below the 0.5 mV criterion), in mV.
    static let lowVoltageRange = 0.22...0.42
    /// Limb-lead QRS amplitude a record of normal voltage is raised to if its waves came out smaller, in mV.
    static let normalVoltageFloor = 0.65...0.9
    /// A P wave or QRS complex begins this many widths before its first Gaussian's peak and ends this many after
    /// its last one's, where the Gaussian has fallen to 4.4 % of its peak (about where the deflection stops
    /// being visible); the T wave instead ends where a tangent at its steepest down-slope meets the baseline.
    static let edge = 2.5

    /// Draws the waves of a record with `profile`'s conduction, axis, T-wave pattern and voltage.
    static func build(for profile: ClinicalProfile, using random: inout RandomStream) -> BeatMorphology {
        let duration = profile.qrsDuration
        var (rotatable, fixed) = ventricularWaves(profile.conduction, duration: duration, using: &random)
        var initial: [DipoleWave] = []
        if profile.hasLeftAnteriorFascicularBlock {
            // Surawicz et al. 2009, LAnFB: initial forces through the intact posterior fascicle go inferior and
            // rightward (r in II, III, aVF; q in aVL) and stay so while the rest turns superior.
            let septal = rotatable.removeFirst()
            initial = [DipoleWave(center: septal.center, width: septal.width,
                                  vector: random.direction(near: SIMD3(-0.35, 0.85, -0.4), spread: 0.1)
                                      * random.uniform(0.3...0.45))]
        }
        if profile.hasAnteriorQWaves {
            // An old anterior infarct: the septal and anterior forces are lost, and the initial 30–40 ms point away
            // from the anterior wall (posterior and slightly left), which V1–V3 see as Q or QS waves.
            let septal = rotatable.removeFirst()
            let width = 1.2 * max(septal.width, 0.011)
            rotatable.insert(DipoleWave(center: edge * width, width: width,
                                        vector: random.direction(near: SIMD3(0.15, 0.05, 0.98), spread: 0.08)
                                            * random.uniform(0.5...0.85)), at: 0)
        }
        var qrs = orient(rotatable: rotatable, fixed: fixed, initial: initial, targetAxis: profile.targetAxis)
        var tWave = repolarization(profile, qrs: qrs, using: &random)
        var pWave = atrialDepolarization(using: &random)
        var premature = prematureVentricularBeat(using: &random)
        var ectopicPWave = ectopicAtrialDepolarization(using: &random)
        let (paced, spike) = rightVentricularPacedBeat(using: &random)

        let amplitude = limbLeadPeakToPeak(qrs)
        var atrialScale = 1.0
        if profile.hasLowQRSVoltage {
            // Low voltage from tissue or fluid between heart and electrodes damps every wave alike.
            let factor = random.uniform(lowVoltageRange) / amplitude
            qrs = qrs.map { $0.scaled(by: factor) }
            tWave = tWave.map { $0.scaled(by: factor) }
            pWave = pWave.map { $0.scaled(by: factor) }
            premature = premature.map { $0.scaled(by: factor) }
            ectopicPWave = ectopicPWave.map { $0.scaled(by: factor) }
            atrialScale = factor
        } else if amplitude < normalVoltageFloor.lowerBound {
            let factor = random.uniform(normalVoltageFloor) / amplitude
            qrs = qrs.map { $0.scaled(by: factor) }
        }

        return BeatMorphology(
            pWave: pWave, conductedBeat: qrs + tWave, prematureBeat: premature, ectopicPWave: ectopicPWave,
            pacedBeat: paced, pacingSpike: spike,
            qrsDuration: duration, qtInterval: profile.qtInterval,
            qrsAxis: LeadProjection.frontalAxis(ofArea: qrs.map(\.area).reduce(.zero, +)),
            limbLeadQRSAmplitude: limbLeadPeakToPeak(qrs),
            negativeTWaveLeads: negativeLeads(of: tWave), atrialScale: atrialScale)
    }

    // MARK: Ventricular depolarization

    /// QRS waves of a conducted beat lasting `duration` seconds, split into those the axis rotation turns (the
    /// left ventricle's) and those it leaves alone (a right bundle branch block's late right-ventricular waves).
    /// The first wave starts (`edge` widths before its peak) at 0 and the last ends (`edge` widths after it) at
    /// `duration`.
    private static func ventricularWaves(_ conduction: ClinicalProfile.Conduction, duration: Double,
                                         using random: inout RandomStream) -> (rotatable: [DipoleWave], fixed: [DipoleWave]) {
        switch conduction {
        case .normal:
            return (leftVentricularWaves(duration: duration, withTerminalForces: true, size: 1.0...1.9, using: &random), [])
        case .nonspecificIntraventricularDelay:
            // Slow but normally ordered activation: the normal waves stretched over the wider QRS (septal q in I
            // and V6 and r in V1 stay, so neither bundle branch block's criteria are met).
            return (leftVentricularWaves(duration: duration, withTerminalForces: true, size: 1.0...1.7, using: &random), [])
        case .rightBundleBranchBlock, .incompleteRightBundleBranchBlock:
            // The right ventricle is activated late and slowly through muscle: one broad wave to the right and
            // front (R' in V1, slurred S in I and V6) whose rise (two widths before its peak) begins one width
            // after the left-ventricular free-wall peak (0.47 + 0.12 of its duration) and which ends the QRS.
            // Incomplete: less delay, so a narrower left part and a smaller r' (rSr' in V1).
            let isComplete = conduction == .rightBundleBranchBlock
            let leftDuration = isComplete ? random.uniform(0.085...0.1) : random.uniform(0.08...0.09)
            let left = leftVentricularWaves(duration: leftDuration, withTerminalForces: false, size: 0.9...1.5,
                                            using: &random)
            let lateWidth = (duration - 0.59 * leftDuration) / (2 + edge)
            let late = DipoleWave(center: duration - edge * lateWidth, width: lateWidth,
                                  vector: random.direction(near: SIMD3(-0.5, 0.05, -0.85), spread: 0.15)
                                      * (isComplete ? random.uniform(0.6...1.0) : random.uniform(0.6...0.9)))
            return (left, [late])
        case .leftBundleBranchBlock:
            let size = random.uniform(1.2...2.0)
            let initial = DipoleWave(center: 0.225 * duration, width: 0.09 * duration,
                                     vector: random.direction(near: SIMD3(0.7, 0.3, -0.2), spread: 0.15)
                                         * random.uniform(0.2...0.35))
            let first = DipoleWave(center: 0.4 * duration, width: 0.12 * duration,
                                   vector: random.direction(near: SIMD3(0.75, 0.25, 0.6), spread: 0.15) * size)
            let second = DipoleWave(center: 0.725 * duration, width: 0.11 * duration,
                                    vector: random.direction(near: SIMD3(0.8, -0.1, 0.45), spread: 0.15)
                                        * size * random.uniform(0.8...1.0))
            return ([initial, first, second], [])
        }
    }

    /// Septal, free-wall (of peak `size` mV) and (optionally) basal waves of normal left-ventricular activation
    /// over `duration`.
    private static func leftVentricularWaves(duration: Double, withTerminalForces: Bool, size: ClosedRange<Double>,
                                             using random: inout RandomStream) -> [DipoleWave] {
        let septal = DipoleWave(center: 0.225 * duration, width: 0.09 * duration,
                                vector: random.direction(near: SIMD3(-0.5, 0.2, -0.85), spread: 0.15)
                                    * random.uniform(0.15...0.3))
        let freeWall = DipoleWave(center: 0.47 * duration, width: 0.12 * duration,
                                  vector: random.direction(near: SIMD3(1, 0.55, 0.45), spread: 0.2)
                                      * random.uniform(size))
        guard withTerminalForces else { return [septal, freeWall] }
        let basal = DipoleWave(center: 0.775 * duration, width: 0.09 * duration,
                               vector: random.direction(near: SIMD3(-0.35, -0.4, 0.85), spread: 0.2)
                                   * random.uniform(0.2...0.45))
        return [septal, freeWall, basal]
    }

    /// The QRS waves with `rotatable` turned in the frontal plane so the QRS has `targetAxis`, and with that axis
    /// well defined. While the net frontal QRS area is less than half the sum of the waves' own frontal areas
    /// (waves cancelling in I and aVF, where a small error would swing the axis), the `fixed` waves (a right
    /// bundle branch block's late wave) lose 20 % of their frontal components, i.e. turn towards the front, or,
    /// without fixed waves, the largest rotatable wave grows by 20 %; at most ten times. `initial` waves (a
    /// fascicular block's initial forces) count towards the axis but are neither turned nor shrunk.
    private static func orient(rotatable: [DipoleWave], fixed: [DipoleWave], initial: [DipoleWave] = [],
                               targetAxis: Double) -> [DipoleWave] {
        func frontalSize(_ area: SIMD3<Double>) -> Double {
            let leadI = (LeadProjection.leadI * area).sum()
            let aVF = ((LeadProjection.leadII - LeadProjection.leadI / 2) * area).sum()
            return (leadI * leadI + 4 / 3 * aVF * aVF).squareRoot()
        }
        var turning = rotatable
        var staying = fixed
        var oriented: [DipoleWave] = []
        for _ in 0...10 {
            let angle = rotationAngle(rotatable: turning.map(\.area).reduce(.zero, +),
                                      fixed: (staying + initial).map(\.area).reduce(.zero, +), targetAxis: targetAxis)
            oriented = initial + turning.map { $0.rotatedInFrontalPlane(by: angle) } + staying
            let net = frontalSize(oriented.map(\.area).reduce(.zero, +))
            let total = oriented.reduce(0) { $0 + frontalSize($1.area) }
            guard net < 0.5 * total else { break }
            if staying.isEmpty {
                if let largest = turning.indices.max(by: { frontalSize(turning[$0].area) < frontalSize(turning[$1].area) }) {
                    turning[largest] = turning[largest].scaled(by: 1.2)
                }
            } else {
                staying = staying.map { DipoleWave(center: $0.center, width: $0.width, vector: $0.vector * SIMD3(0.8, 0.8, 1)) }
            }
        }
        return oriented
    }

    /// The frontal-plane rotation of the `rotatable` net area that puts the axis of `rotatable + fixed` closest
    /// to `targetAxis` (a 1° scan, then a golden-section search within the best step).
    private static func rotationAngle(rotatable: SIMD3<Double>, fixed: SIMD3<Double>, targetAxis: Double) -> Double {
        func miss(_ angle: Double) -> Double {
            let wave = DipoleWave(center: 0, width: 1, vector: rotatable).rotatedInFrontalPlane(by: angle)
            let difference = LeadProjection.frontalAxis(ofArea: wave.vector + fixed) - targetAxis
            return abs(remainder(difference, 360))
        }
        let step = Double.pi / 180
        var best = 0.0
        for index in 0..<360 where miss(Double(index) * step) < miss(best) {
            best = Double(index) * step
        }
        var low = best - step, high = best + step
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<40 {
            let left = high - ratio * (high - low), right = low + ratio * (high - low)
            if miss(left) < miss(right) { high = right } else { low = left }
        }
        return (low + high) / 2
    }

    // MARK: Repolarization and atria

    /// The T wave of a conducted beat, ending (by the tangent method) at the QT interval.
    private static func repolarization(_ profile: ClinicalProfile, qrs: [DipoleWave],
                                       using random: inout RandomStream) -> [DipoleWave] {
        let size = random.uniform(0.22...0.45)
        var vector: SIMD3<Double>
        switch (profile.tWaveInversion, profile.conduction) {
        case (.anterior?, _): vector = random.direction(near: SIMD3(0.1, 0.45, 0.95), spread: 0.08) * size
        case (.inferior?, _): vector = random.direction(near: SIMD3(0.7, -0.6, -0.3), spread: 0.08) * size
        case (.lateral?, _): vector = random.direction(near: SIMD3(-0.7, 0.5, -0.1), spread: 0.08) * size
        case (nil, .leftBundleBranchBlock):
            // Secondary repolarization: discordant to the QRS.
            vector = -unit(qrs.map(\.area).reduce(.zero, +)) * random.uniform(0.2...0.4)
        case (nil, _): vector = random.direction(near: SIMD3(0.7, 0.55, -0.3), spread: 0.12) * size
        }
        if profile.conduction == .rightBundleBranchBlock || profile.conduction == .incompleteRightBundleBranchBlock {
            // Secondary repolarization: a part opposite the late right-ventricular wave (negative T in V1–V2).
            vector += random.direction(near: SIMD3(0.5, -0.05, 0.85), spread: 0.1) * random.uniform(0.08...0.15)
        }
        // The T wave fills the JT interval without reaching back into the QRS: its early part rises 6.3 widths
        // before the T end (see `tWave`), so the width stays under JT / 6.3.
        if profile.hasFlatTWaves {
            // Flat T waves (Rautaharju et al. 2009, AHA/ACCF/HRS recommendations part IV: T amplitude below a
            // tenth of the R wave): a tenth or less of the normal T, keeping its direction.
            vector *= random.uniform(0.03...0.1)
        }
        let jt = profile.qtInterval - profile.qrsDuration
        return tWave(endingAt: profile.qtInterval, width: min(0.15 * jt, 0.065), vector: vector)
    }

    /// An asymmetric T wave (slow rise, faster fall): a main peak of `width` and an early part 30 % as large, 1.5
    /// times as wide and 1.3 widths earlier, which starts (two of its widths before its peak) 6.3 widths before
    /// `end`. The main peak is placed so that the tangent at its steepest down-slope (one width after the peak)
    /// meets the baseline at `end`, two widths after the peak.
    private static func tWave(endingAt end: Double, width: Double, vector: SIMD3<Double>) -> [DipoleWave] {
        let peak = DipoleWave(center: end - 2 * width, width: width, vector: vector)
        let upslope = DipoleWave(center: peak.center - 1.3 * width, width: 1.5 * width, vector: 0.3 * vector)
        return [upslope, peak]
    }

    /// A P wave of 80–110 ms: right-atrial activation (down and forward) followed by left-atrial (left and back),
    /// which gives an upright P in II and a biphasic one in V1.
    private static func atrialDepolarization(using random: inout RandomStream) -> [DipoleWave] {
        let duration = random.uniform(0.08...0.11)
        let width = 0.16 * duration
        let size = random.uniform(0.1...0.18)
        let rightAtrium = DipoleWave(center: edge * width, width: width,
                                     vector: random.direction(near: SIMD3(0.25, 0.85, -0.45), spread: 0.12) * size)
        let leftAtrium = DipoleWave(center: duration - edge * width, width: width,
                                    vector: random.direction(near: SIMD3(0.85, 0.35, 0.4), spread: 0.12)
                                        * size * random.uniform(0.8...1.0))
        return [rightAtrium, leftAtrium]
    }

    /// The P wave of a premature atrial beat: 70–100 ms, 0.13–0.2 mV, from a low or left atrial focus, so its axis differs from
    /// the sinus P (often negative in the inferior leads).
    private static func ectopicAtrialDepolarization(using random: inout RandomStream) -> [DipoleWave] {
        let duration = random.uniform(0.07...0.1)
        let width = 0.2 * duration
        let focus = random.chance(0.5) ? SIMD3(0.3, -0.8, -0.3) : SIMD3(0.8, -0.2, 0.5)
        return [DipoleWave(center: duration / 2, width: width,
                           vector: random.direction(near: focus, spread: 0.15) * random.uniform(0.13...0.2))]
    }

    /// A beat paced at the right-ventricular apex and its pacing spike: activation spreads slowly from the apex
    /// up, to the left and back (a wide QRS of 140–180 ms, LBBB-like in V1, negative in II, III and aVF), with a
    /// discordant T wave; the spike is the pacing pulse seen through the torso, 5–8 mV across the heart (a
    /// unipolar pulse; 2–4 mV in the leads after a 500-Hz sampler's averaging).
    private static func rightVentricularPacedBeat(using random: inout RandomStream) -> (beat: [DipoleWave], spike: SIMD3<Double>) {
        let duration = random.uniform(0.14...0.18)
        let focus = SIMD3(0.6, -0.6, 0.5)
        let size = random.uniform(1.4...2.4)
        // The ventricle is captured a few milliseconds after the pulse.
        let latency = random.uniform(0.002...0.008)
        let early = DipoleWave(center: latency + 0.325 * duration, width: 0.13 * duration,
                               vector: random.direction(near: focus, spread: 0.15) * 0.8 * size)
        let late = DipoleWave(center: latency + 0.7 * duration, width: 0.12 * duration,
                              vector: random.direction(near: focus, spread: 0.25) * size * random.uniform(0.7...0.9))
        let jt = random.uniform(0.24...0.3)
        let tVector = -unit(early.area + late.area) * random.uniform(0.3...0.5)
        let spike = random.direction(near: SIMD3(-0.5, 0.6, -0.6), spread: 0.2) * random.uniform(5...8)
        return ([early, late] + tWave(endingAt: latency + duration + jt, width: 0.15 * jt, vector: tVector), spike)
    }

    /// A ventricular premature beat of 140–180 ms from a right-ventricular (LBBB-like) or left-ventricular
    /// (RBBB-like) focus, with a T wave opposite to its QRS.
    private static func prematureVentricularBeat(using random: inout RandomStream) -> [DipoleWave] {
        let duration = random.uniform(0.14...0.18)
        let superior = random.chance(0.5) ? -1.0 : 1.0
        let focus = random.chance(0.5) ? SIMD3(0.7, 0.6 * superior, 0.5) : SIMD3(-0.6, 0.5 * superior, -0.7)
        let size = random.uniform(1.8...3.0)
        let early = DipoleWave(center: 0.325 * duration, width: 0.13 * duration,
                               vector: random.direction(near: focus, spread: 0.15) * 0.9 * size)
        let late = DipoleWave(center: 0.7 * duration, width: 0.12 * duration,
                              vector: random.direction(near: focus, spread: 0.3) * size * random.uniform(0.6...0.9))
        let jt = random.uniform(0.24...0.3)
        let tVector = -unit(early.area + late.area) * random.uniform(0.3...0.5)
        return [early, late] + tWave(endingAt: duration + jt, width: 0.15 * jt, vector: tVector)
    }

    // MARK: Measurements of the noise-free waves

    /// Largest peak-to-peak amplitude of `waves` among the six limb leads, sampled every 0.5 ms.
    static func limbLeadPeakToPeak(_ waves: [DipoleWave]) -> Double {
        let leads = LeadProjection.limbLeads
        let (lowest, highest) = extremes(of: waves, leads: leads)
        return zip(lowest, highest).map { $1 - $0 }.max() ?? 0
    }

    /// Leads (indices into `SimulatedECG.leadNames`) in which the larger extreme of `waves` is negative.
    private static func negativeLeads(of waves: [DipoleWave]) -> [Int] {
        let (lowest, highest) = extremes(of: waves, leads: LeadProjection.allLeads[...])
        return lowest.indices.filter { -lowest[$0] > highest[$0] }
    }

    /// Per-lead minimum and maximum of `waves` projected onto `leads`, sampled every 0.5 ms within four widths of
    /// every peak.
    private static func extremes(of waves: [DipoleWave], leads: ArraySlice<SIMD3<Double>>) -> ([Double], [Double]) {
        var lowest = [Double](repeating: 0, count: leads.count)
        var highest = [Double](repeating: 0, count: leads.count)
        guard let start = waves.map({ $0.center - 4 * $0.width }).min(),
              let stop = waves.map({ $0.center + 4 * $0.width }).max() else { return (lowest, highest) }
        var time = start
        while time <= stop {
            let vector = waves.reduce(SIMD3<Double>.zero) { $0 + $1.value(at: time) }
            for (slot, lead) in zip(lowest.indices, leads) {
                let value = (lead * vector).sum()
                lowest[slot] = min(lowest[slot], value)
                highest[slot] = max(highest[slot], value)
            }
            time += 0.0005
        }
        return (lowest, highest)
    }

    // MARK: Vector helpers

    /// `vector` scaled to unit length (the zero vector stays zero).
    private static func unit(_ vector: SIMD3<Double>) -> SIMD3<Double> {
        let length = (vector * vector).sum().squareRoot()
        return length > 0 ? vector / length : vector
    }
}
