using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Firmware.Portability;

/// <summary>
/// Checks C# that the device compiles against what nanoFramework 1.x offers. Two layers:
/// <list type="number">
/// <item>language: generics (declared or used), LINQ, async/await/Task, iterators, Span/Memory,
/// stackalloc, dynamic, records, tuples and nullable value types are rejected outright;</item>
/// <item>API: every type and member the code uses from outside its own sources must be on the
/// <see cref="ApiAllowList"/>. Members that .NET also has are bound by Roslyn against the .NET runtime;
/// nanoFramework-only types (which don't exist on .NET) are resolved by name through the file's
/// using directives.</item>
/// </list>
/// Platform sources (e.g. the host implementation of nanoFramework.TestFramework) are compiled along so
/// their API can be bound, and are themselves treated as external API.
/// </summary>
public sealed class PortabilityGuard(ApiAllowList allowList)
{
    public IReadOnlyList<Violation> Check(IEnumerable<SourceFile> deviceSources, IEnumerable<SourceFile>? platformSources = null)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var device = deviceSources.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Path)).ToList();
        var platform = (platformSources ?? []).Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Path)).ToList();
        var compilation = CSharpCompilation.Create("DeviceCode", device.Concat(platform), RuntimeReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var deviceTrees = device.ToHashSet();

        var violations = new List<Violation>();
        foreach (var tree in device)
            new Walker(compilation.GetSemanticModel(tree), deviceTrees, allowList, violations).Visit(tree.GetRoot());
        return violations
            .DistinctBy(v => (v.File, v.Line, v.Rule, v.Message))
            .OrderBy(v => v.File, StringComparer.Ordinal).ThenBy(v => v.Line)
            .ToList();
    }

    private static IEnumerable<MetadataReference> RuntimeReferences() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p));

    private sealed class Walker(SemanticModel model, HashSet<SyntaxTree> deviceTrees, ApiAllowList allow, List<Violation> violations)
        : CSharpSyntaxWalker
    {
        private static readonly string[] SpanNames = ["Span", "ReadOnlySpan", "Memory", "ReadOnlyMemory"];

        private void Report(SyntaxNode node, string rule, string message) =>
            violations.Add(new Violation(node.SyntaxTree.FilePath, node.GetLocation().GetLineSpan().StartLinePosition.Line + 1, rule, message));

        // ---- language subset -------------------------------------------------------------------

        public override void VisitTypeParameterList(TypeParameterListSyntax node)
        {
            Report(node, "generics", $"generic declaration '{node.Parent?.ToString().Split('\n')[0].Trim()}' (nanoFramework 1.x has no generics)");
            base.VisitTypeParameterList(node);
        }

        public override void VisitGenericName(GenericNameSyntax node)
        {
            if (SpanNames.Contains(node.Identifier.Text))
                Report(node, "span", $"{node} (no Span<T>/Memory<T> in nanoFramework 1.x; use SpanByte or arrays)");
            else
                Report(node, "generics", $"generic type or method '{node}' (use ArrayList, Hashtable or arrays)");
            base.VisitGenericName(node);
        }

        public override void VisitQueryExpression(QueryExpressionSyntax node)
        {
            Report(node, "linq", "query expression (no LINQ in nanoFramework)");
            base.VisitQueryExpression(node);
        }

        public override void VisitUsingDirective(UsingDirectiveSyntax node)
        {
            string? name = node.NamespaceOrType?.ToString();
            if (name is not null && (name == "System.Linq" || name.StartsWith("System.Linq.", StringComparison.Ordinal)))
                Report(node, "linq", $"using {name} (no LINQ in nanoFramework)");
            if (name is "System.Threading.Tasks")
                Report(node, "async", "using System.Threading.Tasks (no Task in nanoFramework)");
            // A using names a namespace, not an API use: the identifiers inside it are not checked.
        }

        public override void VisitAwaitExpression(AwaitExpressionSyntax node)
        {
            Report(node, "async", "await (no async/await in nanoFramework)");
            base.VisitAwaitExpression(node);
        }

        public override void VisitMethodDeclaration(MethodDeclarationSyntax node)
        {
            CheckAsync(node, node.Modifiers);
            base.VisitMethodDeclaration(node);
        }

        public override void VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
        {
            CheckAsync(node, node.Modifiers);
            base.VisitLocalFunctionStatement(node);
        }

        public override void VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
        {
            CheckAsync(node, node.Modifiers);
            CheckExpressionType(node);
            base.VisitParenthesizedLambdaExpression(node);
        }

        public override void VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
        {
            CheckAsync(node, node.Modifiers);
            CheckExpressionType(node);
            base.VisitSimpleLambdaExpression(node);
        }

        public override void VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
        {
            CheckAsync(node, node.Modifiers);
            base.VisitAnonymousMethodExpression(node);
        }

        private void CheckAsync(SyntaxNode node, SyntaxTokenList modifiers)
        {
            if (modifiers.Any(SyntaxKind.AsyncKeyword))
                Report(node, "async", "async method or lambda (no async/await in nanoFramework)");
        }

        // The 1.x interpreter runs add.ovf/mul.ovf/conv.ovf as their unchecked forms: `checked` compiles but
        // never throws on the device, so code relying on it would pass on .NET and overflow silently on the board.
        public override void VisitCheckedExpression(CheckedExpressionSyntax node)
        {
            if (node.Keyword.IsKind(SyntaxKind.CheckedKeyword))
                Report(node, "checked", $"'{node}' (checked arithmetic does not throw on the nanoFramework 1.x interpreter; check ranges by hand)");
            base.VisitCheckedExpression(node);
        }

        public override void VisitCheckedStatement(CheckedStatementSyntax node)
        {
            if (node.Keyword.IsKind(SyntaxKind.CheckedKeyword))
                Report(node, "checked", "checked block (checked arithmetic does not throw on the nanoFramework 1.x interpreter; check ranges by hand)");
            base.VisitCheckedStatement(node);
        }

        public override void VisitYieldStatement(YieldStatementSyntax node)
        {
            Report(node, "iterator", "yield (no iterators in nanoFramework; return an array or ArrayList)");
            base.VisitYieldStatement(node);
        }

        public override void VisitRecordDeclaration(RecordDeclarationSyntax node)
        {
            Report(node, "record", $"record {node.Identifier} (records need compiler-generated generic members; use a class)");
            base.VisitRecordDeclaration(node);
        }

        public override void VisitTupleType(TupleTypeSyntax node)
        {
            Report(node, "tuple", $"tuple type {node} (ValueTuple is generic)");
            base.VisitTupleType(node);
        }

        public override void VisitTupleExpression(TupleExpressionSyntax node)
        {
            Report(node, "tuple", $"tuple {node} (ValueTuple is generic)");
            base.VisitTupleExpression(node);
        }

        public override void VisitNullableType(NullableTypeSyntax node)
        {
            if (model.GetTypeInfo(node.ElementType).Type is { IsValueType: true })
                Report(node, "generics", $"nullable value type {node} (Nullable<T> is generic)");
            base.VisitNullableType(node);
        }

        public override void VisitStackAllocArrayCreationExpression(StackAllocArrayCreationExpressionSyntax node)
        {
            Report(node, "span", "stackalloc (no Span<T> in nanoFramework)");
            base.VisitStackAllocArrayCreationExpression(node);
        }

        // ---- API surface ---------------------------------------------------------------------------

        public override void VisitIdentifierName(IdentifierNameSyntax node)
        {
            CheckUse(node);
            base.VisitIdentifierName(node);
        }

        public override void VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
        {
            CheckUnresolvedMember(node);
            base.VisitMemberAccessExpression(node);
        }

        public override void VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitObjectCreationExpression(node);
        }

        public override void VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitImplicitObjectCreationExpression(node);
        }

        public override void VisitElementAccessExpression(ElementAccessExpressionSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitElementAccessExpression(node);
        }

        public override void VisitBinaryExpression(BinaryExpressionSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitBinaryExpression(node);
        }

        public override void VisitPrefixUnaryExpression(PrefixUnaryExpressionSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitPrefixUnaryExpression(node);
        }

        public override void VisitAttribute(AttributeSyntax node)
        {
            CheckSymbol(node, model.GetSymbolInfo(node).Symbol);
            base.VisitAttribute(node);
        }

        public override void VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            CheckExpressionType(node);
            base.VisitInvocationExpression(node);
        }

        private void CheckUse(IdentifierNameSyntax node)
        {
            if (node.IsVar || node.Parent is NameColonSyntax or NameEqualsSyntax)
                return;
            var info = model.GetSymbolInfo(node);
            var symbol = info.Symbol ?? (info.CandidateSymbols.Length == 1 ? info.CandidateSymbols[0] : null);
            if (symbol is not null)
            {
                CheckSymbol(node, symbol);
                CheckExpressionType(node);
                return;
            }

            // Not bound on .NET: a nanoFramework-only type (e.g. Power), or a member reached through one
            // (handled by CheckUnresolvedMember on the member access).
            if (node.Parent is MemberAccessExpressionSyntax ma && ma.Name == node)
                return;
            if (node.Parent is QualifiedNameSyntax qn && qn.Right == node)
                return;
            if (model.GetTypeInfo(node).Type is IErrorTypeSymbol || IsInTypePosition(node))
            {
                if (ResolveNanoType(node) is null)
                    Report(node, "api", $"{node.Identifier.Text} is not on the nanoFramework API allow-list (nor a .NET type the device has)");
            }
        }

        private static bool IsInTypePosition(IdentifierNameSyntax node) =>
            node.Parent is ObjectCreationExpressionSyntax or VariableDeclarationSyntax or ParameterSyntax or PropertyDeclarationSyntax
                or FieldDeclarationSyntax or BaseTypeSyntax or CastExpressionSyntax or TypeOfExpressionSyntax or MethodDeclarationSyntax
                or ArrayTypeSyntax or AttributeSyntax;

        /// <summary>x.Member where x's type is a nanoFramework-only type that .NET can't bind.</summary>
        private void CheckUnresolvedMember(MemberAccessExpressionSyntax node)
        {
            if (model.GetSymbolInfo(node).Symbol is not null)
                return;
            var receiver = model.GetTypeInfo(node.Expression).Type;
            string? typeName = receiver is IErrorTypeSymbol err ? ResolveNanoType(node.Expression, err.Name) : null;
            if (typeName is null && node.Expression is IdentifierNameSyntax id && model.GetSymbolInfo(id).Symbol is null)
                typeName = ResolveNanoType(id);
            if (typeName is null)
                return; // the receiver itself is reported where it is used
            if (!allow.AllowsMember(typeName, node.Name.Identifier.Text))
                Report(node, "api", $"{typeName}.{node.Name.Identifier.Text} is not on the nanoFramework API allow-list");
        }

        /// <summary>The allow-listed full name of a nanoFramework-only type named at <paramref name="node"/>, via the file's usings.</summary>
        private string? ResolveNanoType(SyntaxNode node, string? simpleName = null)
        {
            string name = simpleName ?? node.ToString();
            // [X] names XAttribute (C# tries both): e.g. mscorlib's AssemblyNativeVersionAttribute, which .NET lacks
            string[] names = node.Parent is AttributeSyntax && !name.EndsWith("Attribute", StringComparison.Ordinal)
                ? [name, name + "Attribute"]
                : [name];
            foreach (string n in names)
            {
                if (allow.AllowsType(n))
                    return n;
                foreach (string ns in UsingsAndNamespaces(node))
                {
                    string candidate = ns + "." + n;
                    if (allow.AllowsType(candidate))
                        return candidate;
                }
            }
            return null;
        }

        private static IEnumerable<string> UsingsAndNamespaces(SyntaxNode node)
        {
            foreach (var ancestor in node.Ancestors())
            {
                SyntaxList<UsingDirectiveSyntax> usings = ancestor switch
                {
                    CompilationUnitSyntax cu => cu.Usings,
                    BaseNamespaceDeclarationSyntax nd => nd.Usings,
                    _ => default,
                };
                foreach (var u in usings)
                    if (u.NamespaceOrType is not null && u.Alias is null)
                        yield return u.NamespaceOrType.ToString();
                if (ancestor is BaseNamespaceDeclarationSyntax nsDecl)
                    yield return nsDecl.Name.ToString();
            }
        }

        private void CheckExpressionType(ExpressionSyntax node)
        {
            var info = model.GetTypeInfo(node);
            foreach (var type in new[] { info.Type, info.ConvertedType })
            {
                if (type is INamedTypeSymbol { IsGenericType: true } named && !IsOwn(named))
                    Report(node, "generics", $"'{node}' has generic type {named.ToDisplayString()}");
                if (type is { TypeKind: TypeKind.Dynamic })
                    Report(node, "dynamic", $"'{node}' is dynamic (no DLR in nanoFramework)");
            }
        }

        private bool IsOwn(ISymbol symbol) =>
            symbol.DeclaringSyntaxReferences.Any(r => deviceTrees.Contains(r.SyntaxTree));

        private void CheckSymbol(SyntaxNode node, ISymbol? symbol)
        {
            if (symbol is null)
                return;
            if (symbol is IMethodSymbol { IsGenericMethod: true } gm && !IsOwn(gm))
            {
                Report(node, "generics", $"generic method {gm.ToDisplayString()}");
                return;
            }
            if (symbol is ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol or IDiscardSymbol or INamespaceSymbol)
                return;
            if (symbol is IMethodSymbol { MethodKind: MethodKind.BuiltinOperator })
                return;
            if (symbol is IDynamicTypeSymbol)
            {
                Report(node, "dynamic", "dynamic (no DLR in nanoFramework)");
                return;
            }
            if (symbol is IArrayTypeSymbol || symbol is ITypeSymbol { SpecialType: SpecialType.System_Void or SpecialType.System_Boolean
                    or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Char or SpecialType.System_Int16
                    or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64
                    or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_String
                    or SpecialType.System_Object })
                return; // keywords (int, string, object…) and arrays of them

            var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
            if (type is null || IsOwn(type))
                return;
            string ns = type.ContainingNamespace?.ToDisplayString() ?? "";
            if (ns == "System.Linq" || ns.StartsWith("System.Linq.", StringComparison.Ordinal))
            {
                Report(node, "linq", $"{symbol.ToDisplayString()} (no LINQ in nanoFramework)");
                return;
            }
            if (ns == "System.Threading.Tasks")
            {
                Report(node, "async", $"{symbol.ToDisplayString()} (no Task in nanoFramework)");
                return;
            }
            if (type.IsGenericType)
            {
                Report(node, SpanNames.Contains(type.Name) ? "span" : "generics", $"{type.ToDisplayString()} is generic");
                return;
            }

            string typeName = FullName(type);
            if (symbol is INamedTypeSymbol)
            {
                if (!allow.AllowsType(typeName))
                    Report(node, "api", $"type {typeName} is not on the nanoFramework API allow-list");
                return;
            }
            string member = symbol switch
            {
                IMethodSymbol { MethodKind: MethodKind.Constructor } => ".ctor",
                IPropertySymbol { IsIndexer: true } => "this[]",
                _ => symbol.Name,
            };
            if (!allow.AllowsMember(typeName, member) && !AllowedInBase(symbol))
                Report(node, "api", $"{typeName}.{member} is not on the nanoFramework API allow-list{Hint(typeName, member)}");
        }

        /// <summary>An override (ArgumentException.Message on .NET) is fine when the member it overrides is allowed.</summary>
        private bool AllowedInBase(ISymbol symbol)
        {
            ISymbol? baseMember = symbol switch
            {
                IMethodSymbol m => m.OverriddenMethod,
                IPropertySymbol p => p.OverriddenProperty,
                IEventSymbol e => e.OverriddenEvent,
                _ => null,
            };
            while (baseMember is not null)
            {
                if (allow.AllowsMember(FullName(baseMember.ContainingType), baseMember.Name))
                    return true;
                baseMember = baseMember switch
                {
                    IMethodSymbol m => m.OverriddenMethod,
                    IPropertySymbol p => p.OverriddenProperty,
                    IEventSymbol e => e.OverriddenEvent,
                    _ => null,
                };
            }
            return false;
        }

        private static string Hint(string type, string member) => (type, member) switch
        {
            ("System.DateTime", "Now") => " (nanoFramework has only DateTime.UtcNow)",
            _ => "",
        };

        private static string FullName(INamedTypeSymbol type)
        {
            string outer = type.ContainingType is not null ? FullName(type.ContainingType) : type.ContainingNamespace?.ToDisplayString() ?? "";
            return outer.Length == 0 || outer == "<global namespace>" ? type.Name : outer + "." + type.Name;
        }
    }
}
