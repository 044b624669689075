namespace IotDevice.Core.Messaging
{
    /// <summary>Why a <c>name=value</c> text record was rejected (README "Device protocols", renewal and status payloads).</summary>
    public enum TextRecordError
    {
        None = 0,

        /// <summary>Larger than the schema allows (checked before anything is decoded).</summary>
        Oversize = 1,

        /// <summary>A byte outside printable ASCII, a '\r', or a name that is not a-z 0-9 '-'.</summary>
        BadCharacters = 2,

        /// <summary>The first line is not the schema's header (another record type or version).</summary>
        UnknownHeader = 3,

        /// <summary>A required field is absent.</summary>
        MissingField = 4,

        /// <summary>A field appears twice.</summary>
        DuplicateField = 5,

        /// <summary>A known field appears before one that must precede it.</summary>
        OutOfOrderField = 6,

        /// <summary>A field the schema does not define.</summary>
        UnknownField = 7,

        /// <summary>A line without '=', an empty line, or a last line without its '\n'.</summary>
        BadLine = 8,

        /// <summary>Well-formed, but a value is not what its field allows (unknown status, bad hex, bad time, bad base64).</summary>
        InvalidValue = 9
    }
}
