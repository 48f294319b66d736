package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.model.Dequantization;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.ScoreKind;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Converters that check option values while parsing, so that a bad value is a usage error (exit
 * code 2) whose message names the option, before any model or data is loaded.
 */
final class Arguments {

    private Arguments() {}

    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value);
            require(n >= 1, "must be at least 1, got " + n);
            return n;
        }
    }

    static final class NonNegativeInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value);
            require(n >= 0, "must not be negative, got " + n);
            return n;
        }
    }

    static final class PositiveDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = parseDouble(value);
            require(x > 0 && Double.isFinite(x), "must be a positive number, got " + value);
            return x;
        }
    }

    static final class NonNegativeDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = parseDouble(value);
            require(x >= 0 && Double.isFinite(x), "must be a number >= 0, got " + value);
            return x;
        }
    }

    /** A share strictly between 0 and 1, such as the validation split. */
    static final class Fraction implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = parseDouble(value);
            require(x > 0 && x < 1, "must lie strictly between 0 and 1, got " + value);
            return x;
        }
    }

    /** A decay rate in [0, 1): 0 keeps no memory, values near 1 a long one. */
    static final class Decay implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = parseDouble(value);
            require(x >= 0 && x < 1, "must be >= 0 and < 1, got " + value);
            return x;
        }
    }

    static final class Preset implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String name = value.toLowerCase(Locale.ROOT);
            require(
                    FlowConfig.PRESETS.contains(name),
                    "unknown preset '"
                            + value
                            + "'; known: "
                            + String.join(", ", FlowConfig.PRESETS));
            return name;
        }
    }

    static final class DequantizationKind implements ITypeConverter<Dequantization> {
        @Override
        public Dequantization convert(String value) {
            try {
                return Dequantization.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(
                        "expected variational or uniform, got '" + value + "'");
            }
        }
    }

    static final class ScoreKindName implements ITypeConverter<ScoreKind> {
        @Override
        public ScoreKind convert(String value) {
            try {
                return ScoreKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class CompressorName implements ITypeConverter<InputComplexity.Compressor> {
        @Override
        public InputComplexity.Compressor convert(String value) {
            try {
                return InputComplexity.Compressor.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** An image file or folder that exists now; a typo should not wait for the model to load. */
    static final class ExistingPath implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path path = Path.of(value);
            require(Files.exists(path), "'" + value + "' does not exist");
            return path;
        }
    }

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    private static double parseDouble(String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new TypeConversionException(problem);
        }
    }
}
