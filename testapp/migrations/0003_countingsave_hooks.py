# CountingSave records which hooks ran in testapp.hooks instead of counting them in columns;
# Article.created_at's default reads the clock through testapp.models.now.

from django.db import migrations, models

import testapp.models


class Migration(migrations.Migration):
    dependencies = [
        ("testapp", "0002_note"),
    ]

    operations = [
        migrations.RemoveField(model_name="countingsave", name="saves"),
        migrations.RemoveField(model_name="countingsave", name="asaves"),
        migrations.AddField(
            model_name="countingsave", name="rank", field=models.IntegerField(default=0)
        ),
        migrations.AlterModelOptions(name="countingsave", options={"ordering": ["pk"]}),
        migrations.AlterField(
            model_name="article",
            name="created_at",
            field=models.DateTimeField(default=testapp.models.now),
        ),
    ]
