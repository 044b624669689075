namespace Esp32.Formats.Efuse;

/// <summary>ESP32 CODING_SCHEME eFuse values (espefuse's dictionary for the field).</summary>
public enum Esp32CodingScheme
{
    /// <summary>0: no coding, BLOCK1-3 hold 256 bits.</summary>
    None = 0,

    /// <summary>1: 3/4 coding, BLOCK1-3 hold 192 bits; a 24-byte flash encryption key is extended by hardware.</summary>
    ThreeQuarters = 1,

    /// <summary>2: repeat coding (128 bits); not supported by ESP-IDF or espefuse.</summary>
    Repeat = 2,

    /// <summary>3: treated as no coding.</summary>
    NoneAlternative = 3,
}
