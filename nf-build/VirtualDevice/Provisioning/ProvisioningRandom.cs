using System.Buffers.Binary;
using System.Security.Cryptography;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>Where provisioning gets its key material (flash encryption key, NVS XTS keys).</summary>
public interface IProvisioningRandom
{
    byte[] GetBytes(int count);
}

/// <summary>The operating system's CSPRNG: the only source used outside tests.</summary>
public sealed class SystemProvisioningRandom : IProvisioningRandom
{
    public static SystemProvisioningRandom Instance { get; } = new();

    public byte[] GetBytes(int count) => RandomNumberGenerator.GetBytes(count);
}

/// <summary>
/// FOR TESTS ONLY: a deterministic stream (SHA-256 of seed ‖ counter), so that two runs of the pipeline
/// (a <c>--dry-run</c> and a <c>--virtual</c> run) produce the same keys and can be compared byte for byte.
/// Anyone who knows the seed knows the keys: never use it for a device that leaves the test.
/// </summary>
public sealed class SeededProvisioningRandom(long seed) : IProvisioningRandom
{
    private ulong _counter;

    public byte[] GetBytes(int count)
    {
        var result = new byte[count];
        Span<byte> input = stackalloc byte[16];
        for (int at = 0; at < count; at += 32)
        {
            BinaryPrimitives.WriteInt64LittleEndian(input, seed);
            BinaryPrimitives.WriteUInt64LittleEndian(input[8..], _counter++);
            byte[] block = SHA256.HashData(input);
            block.AsSpan(0, Math.Min(32, count - at)).CopyTo(result.AsSpan(at));
        }
        return result;
    }
}
