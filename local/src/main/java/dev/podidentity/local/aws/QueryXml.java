package dev.podidentity.local.aws;

import java.io.StringWriter;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** An AWS Query protocol XML answer written with the JDK's StAX writer, so every value is escaped. */
final class QueryXml {
    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newDefaultFactory();

    private final StringWriter out = new StringWriter();
    private final XMLStreamWriter writer;

    QueryXml() {
        try {
            writer = FACTORY.createXMLStreamWriter(out);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("the JDK's StAX writer is unavailable", e);
        }
    }

    /** Opens the document's root element in a namespace. */
    QueryXml root(String name, String namespace) {
        return write(() -> {
            writer.writeStartElement(name);
            writer.writeDefaultNamespace(namespace);
        });
    }

    QueryXml open(String name) {
        return write(() -> writer.writeStartElement(name));
    }

    QueryXml close() {
        return write(writer::writeEndElement);
    }

    /** {@code <name>value</name>}, the value escaped. */
    QueryXml element(String name, Object value) {
        return write(() -> {
            writer.writeStartElement(name);
            writer.writeCharacters(String.valueOf(value));
            writer.writeEndElement();
        });
    }

    QueryXml empty(String name) {
        return write(() -> writer.writeEmptyElement(name));
    }

    /** Closes every open element and answers the document. */
    String finish() {
        write(() -> {
            writer.writeEndDocument();
            writer.close();
        });
        return out.toString();
    }

    private interface Step {
        void run() throws XMLStreamException;
    }

    private QueryXml write(Step step) {
        try {
            step.run();
            return this;
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write XML to a string", e);
        }
    }
}
