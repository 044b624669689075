namespace Esp32.Formats.Efuse;

/// <summary>
/// One ESP32 eFuse field as espefuse defines it (<c>espefuse/efuse_defs/esp32.yaml</c>): where its bits live,
/// which WR_DIS bit write-protects it and which RD_DIS bit read-protects it. Names are espefuse's, so they can
/// be compared with <c>espefuse summary</c>.
/// </summary>
/// <param name="Name">espefuse name, e.g. <c>FLASH_CRYPT_CNT</c>.</param>
/// <param name="Block">eFuse block (0..3).</param>
/// <param name="Word">32-bit word inside the block.</param>
/// <param name="Position">Bit position of the field's LSB inside <paramref name="Word"/>.</param>
/// <param name="BitLength">Width in bits (BLOCK1: 256, or 192 under the 3/4 coding scheme).</param>
/// <param name="WriteDisableBit">Bit of WR_DIS that write-protects the field.</param>
/// <param name="ReadDisableBit">Bit of RD_DIS that read-protects it, or null if it cannot be read-protected.</param>
/// <param name="EfuseType">espefuse type string (<c>bool</c>, <c>uint:N</c>, <c>bytes:N</c>).</param>
/// <param name="Category">espefuse summary category.</param>
/// <param name="Description">espefuse description.</param>
public sealed record Esp32EfuseField(
    string Name,
    int Block,
    int Word,
    int Position,
    int BitLength,
    int WriteDisableBit,
    int? ReadDisableBit,
    string EfuseType,
    string Category,
    string Description)
{
    /// <summary>True for the 256-bit key block (BLOCK1); its value is bytes, not an integer.</summary>
    public bool IsKeyBlock => EfuseType.StartsWith("bytes:", StringComparison.Ordinal);

    /// <summary>Mask of the valid bits of an integer field.</summary>
    public uint Mask => BitLength >= 32 ? uint.MaxValue : (1u << BitLength) - 1;
}
