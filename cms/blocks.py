"""StreamField blocks of the training pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False)
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "warning"
        template = "cms/blocks/callout.html"


class ExamBlock(blocks.StructBlock):
    """A link to an exam that shows its state for the signed-in candidate."""

    exam = SnippetChooserBlock("exams.Exam")

    class Meta:
        icon = "clipboard-list"
        template = "cms/blocks/exam.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", icon="title", template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol", "h3", "h4"])
    image = ImageChooserBlock(template="cms/blocks/image.html")
    video = EmbedBlock(help_text=_("A link to a video (YouTube, Vimeo, …)."))
    document = DocumentChooserBlock(template="cms/blocks/document.html")
    callout = CalloutBlock()
    exam = ExamBlock()


class QuestionAnswerBlock(blocks.StructBlock):
    """One question of a FAQ and its answer (rendered as a ``<details>`` that works without JavaScript)."""

    question = blocks.CharBlock(max_length=255)
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "help"
        template = "cms/blocks/question_answer.html"


class StandardBodyBlock(BodyBlock):
    """The body of a standard page: the training blocks and FAQ questions."""

    question = QuestionAnswerBlock()
