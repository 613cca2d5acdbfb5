package dev.podidentity.domain;

/**
 * One step of a diagnosis: what was checked, its outcome, what was found ({@code detail}) and, unless it passed,
 * what to do about it ({@code fix}). Never carries a token or a credential.
 */
public record DiagnosticStep(DiagnosticCheck check, CheckStatus status, String detail, String fix) {

    public static DiagnosticStep pass(DiagnosticCheck check, String detail) {
        return new DiagnosticStep(check, CheckStatus.PASS, detail, null);
    }

    public static DiagnosticStep fail(DiagnosticCheck check, String detail, String fix) {
        return new DiagnosticStep(check, CheckStatus.FAIL, detail, fix);
    }

    public static DiagnosticStep skip(DiagnosticCheck check, String detail) {
        return new DiagnosticStep(check, CheckStatus.SKIP, detail, null);
    }
}
