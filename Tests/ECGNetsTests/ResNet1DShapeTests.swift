import DistTensor
import ECGNets
import Testing

@Suite struct ResNet1DShapeTests {
    /// DESIGN.md §8 gives 16.6 M and 8.8 M parameters for ResNet34-1D and ResNet18-1D.
    @Test func parameterCountsMatchTheDesign() {
        let r34 = ResNet1D(.resnet34, seed: 0).parameters.parameterCount
        let r18 = ResNet1D(.resnet18, seed: 0).parameters.parameterCount
        #expect((16_550_000..<16_650_000).contains(r34))
        #expect((8_750_000..<8_850_000).contains(r18))
    }

    /// DESIGN.md §10: 4.05 GMAC per 12 × 5000 sample for ResNet34-1D.
    @Test func multiplyAccumulatesMatchTheDesign() {
        let macs = Double(ResNet1D(.resnet34, seed: 0).multiplyAccumulates(length: 5000))
        #expect(abs(macs / 4.05e9 - 1) < 0.01)
    }
}
